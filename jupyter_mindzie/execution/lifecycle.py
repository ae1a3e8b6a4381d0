"""What happened to a run, told to whoever listens once it is in the store.

Server events, webhooks and metrics each want to hear that a run was queued, started, finished a
cell or ended. They subscribe here instead of being threaded through the engine, the progress
writer and recovery: those publish one `RunNews` after each write, and know no listener.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from jupyter_mindzie.access import Scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunNews:
    """One write of an execution's state, as it now stands in the store."""

    execution_id: str
    status: str | None
    """The status this write set (`Running`, then a terminal one); None when unchanged."""
    phase: str | None = None
    """The phase this write set (`Queued`, `Starting`, `Executing`, `Finishing`, then the
    terminal status); None when unchanged."""
    cells: tuple[str, ...] = ()
    """The cells whose results this write changed."""
    scope: Scope | None = None
    notebook_id: str | None = None
    local: bool = True
    """False when a peer server wrote it and this one heard through the store: a listener that
    acts once per run (a webhook, a counter) ignores those; one that tells clients does not."""


RunListener = Callable[[RunNews], None]


class RunLifecycle:
    """The listeners of runs' news. A listener that raises is logged and skipped: no
    listener's bug ever stops or fails a run."""

    def __init__(self) -> None:
        self._listeners: list[RunListener] = []

    def subscribe(self, listener: RunListener) -> Callable[[], None]:
        """Hear every `RunNews` from now on; the answer unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish(self, news: RunNews) -> None:
        for listener in list(self._listeners):
            try:
                listener(news)
            except Exception:
                log.exception("mindzie: a listener of run news failed on %s", news.execution_id)
