"""MindzieLease: this server's lease in the store, so servers sharing a store never take each
other's runs while both live.

Each server registers (id, host, pid) and renews a heartbeat. A run belongs to the server that
claimed it from the store's queue (`executions.owner`); only runs whose owner is gone or let its
lease expire are taken over (`Store.take_orphans`, one taker per run), at start and after every
heartbeat. A queued run nobody claimed yet is no one's: any server's free slot takes it. A peer on
the same host whose process is gone is dead at once, without waiting for its lease to run out.
Cancel requests made on another server reach the owner through the store: polled here, and
pushed at once where the store can (PostgreSQL's NOTIFY, `Store.listen`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import psutil
from traitlets import Float, Instance
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.clock import stamp, utcnow
from jupyter_mindzie.execution.news import ChangeNotifier
from jupyter_mindzie.guids import new_guid
from jupyter_mindzie.storage.interface import Store, StoreUnreachable
from jupyter_mindzie.storage.sql import SqlStore


class MindzieLease(LoggingConfigurable):
    """Who this server is in the store, that it lives, and what it must do for its peers."""

    lease_seconds = Float(
        15.0,
        config=True,
        help="Seconds without a heartbeat after which a server counts as dead: a peer then ends "
        "its running executions (ServerStopped) and runs its queued ones. Same on every server.",
    )
    heartbeat_seconds = Float(
        3.0, config=True, help="Seconds between heartbeats (each also looks for runs of dead peers)."
    )
    cancel_poll_seconds = Float(
        0.5,
        config=True,
        help="Seconds between looks for cancel requests that other servers recorded for this "
        "server's executions (PostgreSQL also pushes them at once).",
    )

    store = Instance(SqlStore)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.server_id = f"{self.host}:{self.pid}:{new_guid()[:8]}"
        self._task: asyncio.Task[None] | None = None
        self._beating_since = time.monotonic()  # since the last heartbeat that failed, or the start

    def register(self) -> None:
        self.store.register_server(self.server_id, self.host, self.pid)

    def expired_before(self) -> str:
        """Heartbeats older than this stamp are of dead servers.

        Only once this server has itself beaten for a whole lease: after a store outage every
        peer's heartbeat is old, and none of them is dead for that.
        """
        if time.monotonic() - self._beating_since < self.lease_seconds:
            return ""  # no heartbeat is older than that: only servers gone from the store count
        return stamp(utcnow() - timedelta(seconds=self.lease_seconds))

    def is_local(self, server_id: str | None) -> bool:
        """Whether a server (by id; None for runs recorded before owners were) ran on this host."""
        return server_id is None or server_id.split(":", 1)[0] == self.host

    def reap_dead_neighbours(self) -> list[str]:
        """Forget servers of this host whose process is gone: their runs need not wait a lease."""
        dead = [
            server["server_id"]
            for server in self.store.servers()
            if server["host"] == self.host
            and server["server_id"] != self.server_id
            and not psutil.pid_exists(server["pid"])
        ]
        for server_id in dead:
            self.store.forget_server(server_id)
            self.log.warning("mindzie: server %s is gone; its executions are taken over", server_id)
        return dead

    def start(self, recover: Callable[[], Awaitable[None]], cancel: Callable[[list[str]], None]) -> None:
        """Heartbeat and `recover()` every `heartbeat_seconds` (the first at once), and hand
        `cancel` the ids of this server's runs that a cancel was requested for elsewhere."""
        if self._task is None:
            self._task = asyncio.get_event_loop().create_task(
                self._loop(recover, cancel), name="mindzie-lease"
            )

    async def _loop(
        self, recover: Callable[[], Awaitable[None]], cancel: Callable[[list[str]], None]
    ) -> None:
        next_beat = 0.0
        while True:
            try:
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.heartbeat_seconds
                    if not self.store.heartbeat(self.server_id):
                        self.log.warning(
                            "mindzie: server %s had lost its lease; registered again", self.server_id
                        )
                        self.register()
                    self.reap_dead_neighbours()
                    await recover()
                requested = self.store.cancel_requests(self.server_id)
                if requested:
                    cancel(requested)
            except StoreUnreachable as error:  # the next round tries again
                self._beating_since = time.monotonic()
                self.log.warning("mindzie: no heartbeat: %s", error)
            except Exception:
                self.log.exception("mindzie: the lease's round failed")
            await asyncio.sleep(self.cancel_poll_seconds)

    async def stop(self) -> None:
        """Stop beating and give the lease up: peers take what this server left queued."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            self.store.forget_server(self.server_id)


def follow_other_servers(
    store: Store,
    notifier: ChangeNotifier,
    cancel: Callable[[list[str]], None],
    peers: Callable[[str], None] | None = None,
    queued: Callable[[], None] = lambda: None,
) -> bool:
    """Wake waiting status requests, act on cancel requests, wake idle slots for runs queued on
    other servers, and tell `peers` (run news of other servers' writes), the moment another
    server writes them, where the store can tell (PostgreSQL); False where readers and slots
    poll (SQLite)."""
    loop = asyncio.get_event_loop()

    def heard(kind: str, execution_id: str) -> None:  # in the store's listening thread
        if loop.is_closed():
            return
        if kind == "cancel":
            loop.call_soon_threadsafe(cancel, [execution_id])
        elif kind == "queued":
            loop.call_soon_threadsafe(queued)
        else:
            loop.call_soon_threadsafe(notifier.announce, execution_id)
            if peers is not None:
                loop.call_soon_threadsafe(peers, execution_id)

    return store.listen(heard)
