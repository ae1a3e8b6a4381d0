"""Output files are written while a run goes on, and its end leaves exactly the final ones."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from .support import execute, notebook_with, project_path, status, wait_for

WAIT_FOR_FILE = """\
import pathlib, time
go = pathlib.Path({go!r})
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.02)
print("went on" if go.exists() else "gave up")
"""


async def results_of(api, notebook_id: str, execution_id: str) -> dict:
    reply = await api("GET", project_path("notebook", notebook_id, "execution", execution_id, "results"))
    assert reply.status == 200, reply.body
    return reply.json


async def test_a_finished_cells_output_file_is_on_disk_before_the_run_ends(api, jp_root_dir, tmp_path):
    go = tmp_path / "go"
    notebook = await notebook_with(api, "print('written early')", WAIT_FOR_FILE.format(go=str(go)))
    accepted = await execute(api, notebook)
    folder = jp_root_dir / ".mindzie" / "executions" / accepted["executionId"]
    first_cell = notebook["cells"][1]["cellId"]
    early = folder / f"{first_cell}-1.txt"
    deadline = time.monotonic() + 60
    while not early.exists() and time.monotonic() < deadline:
        current = await status(api, notebook["notebookId"], accepted["executionId"])
        assert current["status"] == "Running", current  # the last cell waits for `go`
        await asyncio.sleep(0.02)
    assert early.read_text() == "written early\n"
    go.touch()
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed", final
    results = await results_of(api, notebook["notebookId"], accepted["executionId"])
    texts = {o["cellId"]: o for o in results["outputs"]}
    assert texts[first_cell]["downloadUrl"].endswith(early.name)
    assert (folder / f"{notebook['cells'][2]['cellId']}-1.txt").read_text() == "went on\n"


DISPLAYS = """\
from IPython.display import display
kind = display("shown first as text", display_id=True)
same = display("version 1", display_id=True)
"""
UPDATES = """\
kind.update({"text/html": "<b>now HTML</b>", "text/plain": "now HTML"}, raw=True)
same.update("version 2")
"""


async def test_displays_a_later_cell_updates_end_as_their_last_version_and_nothing_else_stays(
    api, jp_root_dir
):
    notebook = await notebook_with(api, DISPLAYS, UPDATES)
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed", final
    shown = notebook["cells"][1]["cellId"]
    folder = jp_root_dir / ".mindzie" / "executions" / accepted["executionId"]
    results = await results_of(api, notebook["notebookId"], accepted["executionId"])
    names = sorted(Path(o["downloadUrl"]).name for o in results["outputs"])
    assert names == [f"{shown}-1.html", f"{shown}-2.txt"]
    assert (folder / f"{shown}-1.html").read_text() == "<b>now HTML</b>"
    assert (folder / f"{shown}-2.txt").read_text() == "'version 2'"
    # The text file the first display had while its cell was the last one run is gone.
    assert not (folder / f"{shown}-1.txt").exists()
    on_disk = sorted(p.name for p in folder.iterdir() if p.name.startswith(shown))
    assert on_disk == names
    executed = (folder / "executed.ipynb").read_text()
    assert "version 2" in executed and "now HTML" in executed and "'version 1'" not in executed
