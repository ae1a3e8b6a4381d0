"""Reading a notebook file that JupyterLab may be saving at that moment.

jupyter_server's save with `use_atomic_writing` (the default) copies the file to `.~<name>`,
rewrites the file in place (in a thread) and then removes the copy: for the length of the write
the file holds part of a notebook, and the copy the whole old one. Its notebook read
(`get(type="notebook")`) takes a file it cannot parse beside such a copy for a crash and
"recovers" it, moving the half-written file aside and the copy back under the writer's feet: the
save is lost, and the writer's next step fails. So we never read a notebook that way. We read
the file as text (a plain file read: no recovery), parse it as the manager would (nbformat,
then its notary and validation), and when the text is not a whole notebook, a save is under
way: the copy is the old notebook, read likewise, else (the first save of a new file) we ask
again until the save ends. A read during a save sees the old or the new notebook.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async
from jupyter_server.services.contents.fileio import path_to_intermediate
from tornado.web import HTTPError

log = logging.getLogger(__name__)

# How long a read waits for a save to end before it takes the file for broken.
SAVE_WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.02
_NOTHING = object()


class Unreadable(Exception):
    """The file stayed unreadable as a notebook for longer than a save takes."""


async def read_notebook(manager: Any, path: str) -> dict[str, Any]:
    """The notebook model of `path`, the old notebook while a save rewrites it.

    A model read from the copy a save keeps carries `"saving": True`: it is the notebook before
    the save, so nothing should be recorded or written from it.
    """
    deadline = time.monotonic() + SAVE_WAIT_SECONDS
    seen: object = _NOTHING
    while True:
        signature: object = None
        try:
            model = await ensure_async(manager.get(path, content=True, type="file", format="text"))
            signature = (model.get("last_modified"), model.get("size"))
            return notebook_model(manager, path, model)
        except HTTPError as error:
            if error.status_code != 400:  # 400: not UTF-8, as a write cut mid-character is
                raise
            reason = error.log_message or str(error)
        except NotANotebook as error:
            reason = str(error)
        copy = _intermediate(manager, path)
        if copy is not None:
            old = await _read_copy(manager, path, copy)
            if old is not None:
                log.debug("mindzie: %s is being saved; read the notebook before the save", path)
                return old
        # No copy: the save ended meanwhile, or it is the first of a new file (the file grows),
        # or the file is broken (it stays as it is): once unchanged, it is broken.
        if signature == seen or time.monotonic() >= deadline:
            raise Unreadable(reason)
        seen = signature
        await asyncio.sleep(_POLL_SECONDS)


class NotANotebook(Exception):
    """The text is not a notebook nbformat reads (part of one, or something else)."""


def notebook_model(manager: Any, path: str, model: dict[str, Any]) -> dict[str, Any]:
    """A text model of a notebook file made the notebook model `get(type="notebook")` answers."""
    problems: dict[str, Any] = {}
    try:
        nb = nbformat.reads(model["content"], as_version=4, capture_validation_error=problems)
    except Exception as error:  # what the manager's own read catches: any failure to parse
        raise NotANotebook(f"{type(error).__name__}: {error}") from None
    manager.mark_trusted_cells(nb, path)
    notebook = {**model, "type": "notebook", "format": "json", "content": nb, "mimetype": None}
    manager.validate_notebook_model(notebook, problems)
    return notebook


async def wait_for_saves(manager: Any, path: str) -> None:
    """Return once no save of `path` is under way (or after a save's time), so a write of ours
    never rewrites a file another save is rewriting."""
    deadline = time.monotonic() + SAVE_WAIT_SECONDS
    while _intermediate(manager, path) is not None and time.monotonic() < deadline:
        await asyncio.sleep(_POLL_SECONDS)


def _intermediate(manager: Any, path: str) -> Path | None:
    """The copy a save under way keeps of the file, when the file is on this disk and has one."""
    if not getattr(manager, "use_atomic_writing", False) or not hasattr(manager, "_get_os_path"):
        return None
    copy = Path(path_to_intermediate(manager._get_os_path(path)))  # type: ignore[no-untyped-call]
    return copy if copy.is_file() else None


async def _read_copy(manager: Any, path: str, copy: Path) -> dict[str, Any] | None:
    """The old notebook from a save's copy; None when the save ended meanwhile."""
    try:
        text, stat = await asyncio.to_thread(_text_and_stat, copy)
        model = {
            "name": os.path.basename(path),
            "path": path,
            "content": text,
            # The copy keeps the old file's time: the notebook is the one last seen at that time.
            "last_modified": datetime.fromtimestamp(stat.st_mtime, tz=UTC),
            "writable": True,
        }
        return {**notebook_model(manager, path, model), "saving": True}
    except (OSError, UnicodeDecodeError, NotANotebook):
        return None


def _text_and_stat(copy: Path) -> tuple[str, os.stat_result]:
    stat = copy.stat()
    return copy.read_text(encoding="utf-8"), stat
