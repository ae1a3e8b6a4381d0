"""What an execution used: peak memory and CPU time of the kernel's process tree (psutil).

Only a local kernel has a process to measure; a remote one (gateway) gets nulls, not guesses.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import psutil


@dataclass
class ResourceSampler:
    """Samples one process tree until stopped; cheap enough to run on the event loop."""

    pid: int | None
    interval: float = 0.5
    peak_rss: int | None = None
    _cpu: dict[int, float] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.pid is not None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Take a last sample (the kernel is still alive here) and stop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sample()

    @property
    def cpu_seconds(self) -> float | None:
        return round(sum(self._cpu.values()), 3) if self._cpu else None

    def sample(self) -> None:
        if self.pid is None:
            return
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        rss = 0
        for process in processes:
            try:
                with process.oneshot():
                    rss += process.memory_info().rss
                    times = process.cpu_times()
                    self._cpu[process.pid] = max(self._cpu.get(process.pid, 0.0), times.user + times.system)
            except psutil.Error:
                continue
        self.peak_rss = max(self.peak_rss or 0, rss)

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)


def disk_usage(folder: Path) -> int:
    """Bytes of every file under `folder` (blocking: run it in a thread)."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
