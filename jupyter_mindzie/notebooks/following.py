"""Following the server's own contents events, so JupyterLab's file actions never fork a notebook.

jupyter_server emits an event for every rename, save and delete done through its ContentsManager
(the file browser, the editor, any contents API client). A rename or move makes the API notebook
follow its file under the same id; a save is recorded at once and has its `metadata.mindzie`
realigned with the store. A delete is left to the next read, which restores the file from its
last version: the API notebook is removed only through the API.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jupyter_mindzie.notebooks.library import MindzieNotebookLibrary

CONTENTS_EVENTS = "https://events.jupyter.org/jupyter_server/contents_service/v1"


class ContentsFollower:
    """Hears the ContentsManager's events and passes renames and saves of notebooks to the library."""

    def __init__(
        self, library: MindzieNotebookLibrary, log: logging.Logger | logging.LoggerAdapter[Any]
    ) -> None:
        self.library = library
        self.log = log

    def listen(self, event_logger: Any) -> None:
        event_logger.add_listener(schema_id=CONTENTS_EVENTS, listener=self.heard)

    async def heard(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        """One contents event; a failure is logged, never raised into jupyter_events."""
        action, path = data.get("action"), data.get("path")
        if not isinstance(path, str) or (not path.endswith(".ipynb") and action != "rename"):
            return
        try:
            if action == "rename" and isinstance(data.get("source_path"), str):
                await self.library.follow_rename(data["source_path"], path)
            elif action == "save":
                await self.library.follow_save(path)
        except Exception:
            self.log.exception("mindzie: could not follow the %s of %s", action, path)
