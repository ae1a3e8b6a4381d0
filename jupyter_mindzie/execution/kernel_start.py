"""Starting a kernel so that no cancellation loses it: the one way the runner and the pool start kernels.

jupyter_client's and jupyter_server's kernel starts are not safe to cancel. Cut short after the
kernel's process was spawned and before the manager registered it (jupyter_client's
`in_pending_state` sleeps there, and the registration waits on a task of its own), the process
runs on and nobody, not even the kernel manager, knows it. Cut short after the registration,
in jupyter_server's wait for the kernel's ports, the kernel is listed but its id is never
returned to the caller, who then has nothing to shut down. Both were seen when a run was
cancelled while its kernel started.

So the start runs in a task of its own that a cancel of the caller never reaches; the caller
hears of the kernel (`claim`) the moment the start returns its id, before it can resume; and a
cancelled caller waits for the start to end before the cancel goes on. Its clean-up then finds
the kernel claimed and shuts it down, as it would a kernel that started normally.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from jupyter_core.utils import ensure_async


async def start_kernel(kernel_manager: Any, claim: Callable[[str], None], **kwargs: Any) -> str:
    """`kernel_manager.start_kernel(**kwargs)`; `claim(kernel_id)` runs as soon as the kernel exists.

    Returns the kernel's id. Cancelled meanwhile, the start is let finish (its kernel is claimed,
    for the caller's clean-up) and the cancellation is raised after it. A failed start raises
    its error and claims nothing.
    """
    start = asyncio.ensure_future(ensure_async(kernel_manager.start_kernel(**kwargs)))

    def started(task: asyncio.Future[str]) -> None:
        if not task.cancelled() and task.exception() is None:
            claim(task.result())

    # Registered before anyone awaits the start: its callbacks run in order, so the claim is
    # made before the caller (or the wait below) resumes.
    start.add_done_callback(started)
    try:
        return await asyncio.shield(start)
    except asyncio.CancelledError:
        await asyncio.wait([start])  # never raises; a failure stays the start task's own
        raise
