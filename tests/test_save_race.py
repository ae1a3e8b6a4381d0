"""A read of a notebook while JupyterLab saves it sees the old or the new notebook, never a 409.

jupyter_server's "atomic" save copies the file aside, then rewrites it in place (in a thread):
for the length of the write the file holds half a notebook. Its own notebook read meets that
half, takes it for a crash and "recovers" it, moving the half-written file aside and the copy
back, under the writer's feet: the save is lost. Ours must do neither.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from .support import create, project_path

# Save until reads met this many saves under way (a few megabytes a save makes that quick).
MET = 3
MAX_SAVES = 200


def _marker(source: Any) -> str:
    text = "".join(source) if isinstance(source, list) else str(source)
    return text.splitlines()[0]


async def test_reads_during_jupyterlab_saves_see_the_old_or_the_new_notebook(api, jp_root_dir, caplog):
    caplog.set_level(logging.DEBUG, logger="jupyter_mindzie.notebooks.saving")
    notebook = await create(api, {"notebookName": "Saved while read"})
    url = project_path("notebook", notebook["notebookId"])
    contents = "api/contents/" + notebook["path"]
    model = (await api("GET", contents, params={"content": "1"})).json
    doc = model["content"]  # with its metadata.mindzie, as the open editor holds it
    # A few megabytes, so each write of the file takes a while, as a notebook with plots does.
    bulk = "x" * 4_000_000
    markers = {"# version 0"}

    def version(i: int) -> dict[str, Any]:
        marker = f"# version {i}"
        markers.add(marker)
        cells = [
            {
                "cell_type": "code",
                "id": "c1",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": f"{marker}\nx = {i}",
            },
            {"cell_type": "markdown", "id": "c2", "metadata": {}, "source": bulk},
        ]
        return {**doc, "cells": cells}

    first = await api("PUT", contents, {"type": "notebook", "format": "json", "content": version(0)})
    assert first.status == 200, first.body
    assert (await api("GET", url)).status == 200

    saving = True
    saves = 0
    reads: list[tuple[int, str]] = []

    def met() -> int:
        return sum("is being saved" in r.getMessage() for r in caplog.records)

    async def save_in_a_loop() -> None:
        nonlocal saving, saves
        try:
            while met() < MET and saves < MAX_SAVES:
                saves += 1
                body = {"type": "notebook", "format": "json", "content": version(saves)}
                reply = await api("PUT", contents, body)
                assert reply.status == 200, reply.body
        finally:
            saving = False

    async def read_in_a_loop() -> None:
        while saving:
            reply = await api("GET", url, params={"includeContent": "true"})
            cells = reply.json.get("cells") if reply.status == 200 else None
            reads.append((reply.status, _marker(cells[0]["content"]) if cells else reply.body.decode()))

    await asyncio.gather(save_in_a_loop(), read_in_a_loop(), read_in_a_loop())

    assert met() >= MET, f"in {saves} saves, reads met {met()} saves under way"
    assert [r for r in reads if r[0] != 200] == [], reads
    assert {marker for _, marker in reads} <= markers
    # No save was lost: the file, JupyterLab and the API all hold the last one.
    folder = (jp_root_dir / notebook["path"]).parent
    on_disk = json.loads((jp_root_dir / notebook["path"]).read_text(encoding="utf-8"))
    assert _marker(on_disk["cells"][0]["source"]) == f"# version {saves}"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".~") or "invalid" in p.name) == []
    last = await api("GET", url, params={"includeContent": "true"})
    assert _marker(last.json["cells"][0]["content"]) == f"# version {saves}"
    versions = (await api("GET", f"{url}/versions")).json
    assert versions, versions


async def test_a_broken_file_is_still_a_409_at_once(api, jp_root_dir):
    notebook = await create(api, {"notebookName": "Broken by hand"})
    (jp_root_dir / notebook["path"]).write_text('{"cells": [', encoding="utf-8")
    started = time.monotonic()
    reply = await api("GET", project_path("notebook", notebook["notebookId"]))
    assert reply.status == 409, reply.body
    assert "cannot be read as a notebook" in reply.json["detail"]
    # A file nobody is writing is not waited on as a save would be.
    assert time.monotonic() - started < 2
