"""OS scheduling priority of kernel processes: lowered while the pool warms them, restored for a run.

Linux keeps a niceness per thread, so every thread of the kernel is changed, not only its main
one. Raising priority back needs permission (root, or a RLIMIT_NICE that allows it); the pool
asks `lowering_allowed` first and does not lower what it could not restore.
"""

from __future__ import annotations

import contextlib
import os

import psutil


def lowering_allowed(increment: int) -> bool:
    """Whether this process may lower a child's priority by `increment` and raise it back."""
    if increment <= 0 or not hasattr(os, "getpriority"):
        return False
    if os.geteuid() == 0:
        return True
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NICE)
    except (ImportError, AttributeError, OSError, ValueError):
        return False
    # RLIMIT_NICE r lets an unprivileged process set a niceness down to 20 - r.
    return soft == resource.RLIM_INFINITY or 20 - soft <= os.getpriority(os.PRIO_PROCESS, 0)


def renice(pid: int, increment: int) -> None:
    """Set every thread of `pid` to this server's niceness plus `increment` (0: the same as ours)."""
    value = os.getpriority(os.PRIO_PROCESS, 0) + increment
    with contextlib.suppress(psutil.Error, OSError):
        threads = [thread.id for thread in psutil.Process(pid).threads()] or [pid]
        for tid in threads:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, tid, value)
