"""MindzieOffload: CPU-bound work on large notebooks in a worker process, off the event loop.

Parsing, validating, hashing and encoding a 15 MB notebook is pure Python and C that holds
the GIL (json, jsonschema), so a thread would stall the event loop as much as the loop doing it
itself. Work on data over `threshold_bytes` goes to one worker process instead, started on
first use (spawned, not forked: the server has threads) and shut down at the server's stop;
smaller data is done in place, where the round trip would cost more than it saves.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from traitlets import Int
from traitlets.config import LoggingConfigurable

T = TypeVar("T")


class MindzieOffload(LoggingConfigurable):
    """One lazily started worker process for what would stall the event loop."""

    threshold_bytes = Int(
        1 << 20,
        config=True,
        help="Request bodies and notebooks at least this large (bytes) are parsed, validated and "
        "encoded in a worker process; 0 sends everything there.",
    )
    workers = Int(1, config=True, help="Worker processes (each holds its own copy of what it works on).")

    _executor: ProcessPoolExecutor | None = None

    def large(self, size: int) -> bool:
        return size >= self.threshold_bytes

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in the worker (a picklable module-level function and arguments)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool(), function, *args)
        except (BrokenProcessPool, OSError) as error:
            # The worker died (killed, out of memory) or could not start: the request is still
            # answered, here, and the next large one starts a new worker.
            self.log.warning("mindzie: the offload worker failed (%s); working on the event loop", error)
            await asyncio.to_thread(self.close)
            return function(*args)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=max(1, self.workers), mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
