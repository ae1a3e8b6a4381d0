"""A kernel's process tree (psutil): what an execution used (peak memory, CPU time), and
stopping whatever the kernel started once the run is over.

Only a local kernel has a process to measure; a remote one (gateway) gets nulls, not guesses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil


@dataclass
class ResourceSampler:
    """Samples one process tree until stopped; cheap enough to run on the event loop."""

    pid: int | None
    interval: float = 0.5
    peak_rss: int | None = None
    seen: dict[int, float] = field(default_factory=dict)  # pid -> create_time, every process sampled
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
                    self.seen.setdefault(process.pid, process.create_time())
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


def stop_leftovers(
    kernel_pid: int, marks: Iterable[str], seen: dict[int, float], grace: float = 2.0
) -> list[int]:
    """Stop every process the kernel left behind; returns their pids (blocking: run it in a thread).

    A child that called `setsid` (a daemon) leaves the kernel's session and, once the kernel is
    gone, its tree as well. So a process is the kernel's when it was sampled in its tree during
    the run, is still in its session or in the session of one of those, or carries one of
    `marks` (the kernel id is in the command line of forked children, the execution id in the
    environment of programs they start).
    """
    marks = tuple(mark for mark in marks if mark)
    sessions = {kernel_pid}
    mine = {os.getpid(), *(parent.pid for parent in psutil.Process().parents())}
    found: dict[int, psutil.Process] = {}
    for pid, created in seen.items():
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            if process.create_time() == created and pid not in mine:
                found[pid] = process
                with contextlib.suppress(OSError):
                    if os.getsid(pid) == pid:
                        sessions.add(pid)
    for process in psutil.process_iter(["cmdline", "environ"], ad_value=None):
        if process.pid in mine or process.pid in found:
            continue
        try:
            in_session = os.getsid(process.pid) in sessions
        except OSError:
            continue
        cmdline = process.info.get("cmdline") or []
        environ = process.info.get("environ") or {}
        marked = any(mark in part for mark in marks for part in [*cmdline, *environ.values()])
        if in_session or marked:
            found[process.pid] = process
    processes = list(found.values())
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _, alive = psutil.wait_procs(processes, timeout=grace)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=grace)
    return sorted(found)


async def stop_what_kernel_left(
    kernel_pid: int | None,
    marks: tuple[str, ...],
    seen: Any,
    log: logging.Logger | logging.LoggerAdapter[Any],
) -> None:
    """Children the notebook started (daemons too) must not outlive the run (`stop_leftovers`)."""
    if kernel_pid is None:
        return
    try:
        stopped = await asyncio.to_thread(stop_leftovers, kernel_pid, marks, seen)
    except Exception:
        log.warning("mindzie: processes of kernel %s could not be stopped", marks[0], exc_info=True)
        return
    if stopped:
        log.info("mindzie: stopped %d processes kernel %s left behind", len(stopped), marks[0])
