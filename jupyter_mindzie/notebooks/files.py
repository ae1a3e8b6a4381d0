"""A project's notebook files, through the server's ContentsManager (so JupyterLab sees them)."""

from __future__ import annotations

import json
import logging
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async
from nbformat import NotebookNode
from tornado.web import HTTPError

from jupyter_mindzie.clock import stamp, utcnow
from jupyter_mindzie.errors import Conflict
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.jsonvalues import scrub_surrogates
from jupyter_mindzie.notebooks.saving import Unreadable, read_notebook, wait_for_saves
from jupyter_mindzie.storage.interface import Store


class NotebookFiles:
    """Reads and writes `.ipynb` files; a file deleted behind the API's back comes back from its last version."""

    def __init__(
        self, contents_manager: Any, store: Store, log: logging.Logger | logging.LoggerAdapter[Any]
    ) -> None:
        self.contents_manager = contents_manager
        self.store = store
        self.log = log

    async def read(self, row: dict[str, Any]) -> dict[str, Any]:
        """The file's model; a file removed behind our back is restored from its last version."""
        manager = self.contents_manager
        try:
            # Never the manager's notebook read: it "recovers" a file JupyterLab is saving.
            return await read_notebook(manager, row["path"])
        except UnicodeEncodeError:
            # A lone surrogate ("\ud800") in the file: the server's notary cannot hash it.
            return await self._read_with_surrogates(row["path"])
        except Unreadable as error:
            raise self._unreadable(row["path"], str(error)) from None
        except HTTPError as error:
            if error.status_code != 404:
                raise self._unreadable(row["path"], error.log_message) from None
        latest = self.store.latest_version(row["notebook_id"])
        assert latest is not None  # every notebook is inserted with its first version
        self.log.warning("mindzie: %s was missing; restoring version %s", row["path"], latest["version"])
        await self.ensure_folder(str(PurePosixPath(row["path"]).parent))
        await self.write(row["path"], nbformat.from_dict(json.loads(latest["content"])))
        return await read_notebook(manager, row["path"])

    @staticmethod
    def _unreadable(path: str, reason: str | None) -> Conflict:
        return Conflict(
            Message(
                "the file {path} cannot be read as a notebook ({reason}); fix or restore it in JupyterLab",
                path=path,
                reason=reason,
            )
        )

    async def _read_with_surrogates(self, path: str) -> dict[str, Any]:
        """The notebook model of a file holding lone surrogates, each read as its escape text."""
        model = await ensure_async(self.contents_manager.get(path, content=True, type="file", format="text"))
        try:
            text = json.dumps(scrub_surrogates(json.loads(model["content"])))
            nb = nbformat.reads(text, as_version=4)  # rejoins multi-line strings, as the server's read does
        except (ValueError, RecursionError, nbformat.reader.NotJSONError) as error:
            raise Conflict(
                Message(
                    "the file {path} cannot be read as a notebook ({reason})", path=path, reason=str(error)
                )
            ) from None
        self.log.warning("mindzie: %s holds lone surrogates; they are read as escapes", path)
        return {**model, "type": "notebook", "format": "json", "content": nb}

    async def write(self, path: str, nb: NotebookNode) -> dict[str, Any]:
        # Two rewrites of one file at once would leave either half-written: let a save end first.
        await wait_for_saves(self.contents_manager, path)
        model = {"type": "notebook", "format": "json", "content": nb}
        return await ensure_async(self.contents_manager.save(model, path))

    async def ensure_folder(self, folder: str) -> None:
        parts = PurePosixPath(folder).parts
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if not await ensure_async(self.contents_manager.dir_exists(path)):
                await ensure_async(self.contents_manager.save({"type": "directory"}, path))

    def os_path(self, folder: str) -> Path | None:
        """Where an API folder is on this machine's disk; None for contents not on local disk."""
        root = getattr(self.contents_manager, "root_dir", None)
        return Path(root, folder) if root else None


def modified_stamp(model: dict[str, Any]) -> str:
    """When the ContentsManager says a file was last modified (now, when it does not say)."""
    moment = model.get("last_modified")
    return stamp(moment) if moment is not None else stamp(utcnow())
