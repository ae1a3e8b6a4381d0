"""MindzieKernelPool: kernels started ahead of time, so a run does not wait for a kernel to boot.

Each run still gets a kernel nobody has used (a pooled kernel is taken once, never given
back), already connected: its client's IOPub subscription is confirmed while nobody waits. The
pool refills in the background once the run is over (or a few seconds into a long
one), empties itself when nobody has run anything for a while, and its kernels are the
server's own, shut down with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from jupyter_core.utils import ensure_async
from traitlets import Any as AnyTrait
from traitlets import Float, Int, List, Unicode
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.execution.kernel_client import CHANNELS, WarmKernel, bounded_client, confirm_iopub


class MindzieKernelPool(LoggingConfigurable):
    """Warm kernels per kernelspec, for the engine's runs."""

    size = Int(
        1,
        config=True,
        help="Kernels kept warm per kernelspec in `kernel_names`; 0 turns the pool off.",
    )
    kernel_names = List(
        Unicode(), ["python3"], config=True, help="Kernelspecs the pool keeps warm (Python kernels)."
    )
    idle_timeout = Float(
        900.0,
        config=True,
        help="Seconds without a run after which the pool shuts its kernels down; the next run refills it.",
    )
    startup_timeout = Float(60.0, config=True, help="Seconds a pooled kernel may take to start.")
    refill_delay = Float(
        5.0,
        config=True,
        help="Seconds after a take before the pool starts a replacement, unless the engine asks "
        "sooner (it does when a run ends): a kernel start costs about a CPU second, which a "
        "short run should not have to share.",
    )

    kernel_manager = AnyTrait(help="The server's kernel manager.")
    kernel_catalog = AnyTrait(help="The server's kernelspecs (a MindzieKernelCatalog).")
    max_message_bytes = Int(
        0, help="Largest message part a warm kernel's client reads (set by the engine); 0: no limit."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ready: dict[str, list[WarmKernel]] = {}
        self._filling: dict[str, asyncio.Task[None]] = {}
        self._last_used = time.monotonic()
        self._idle_task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def enabled(self) -> bool:
        return self.size > 0 and not self._closed

    def kernel_ids(self) -> list[str]:
        return [warm.kernel_id for ready in self._ready.values() for warm in ready]

    def warm(self) -> None:
        """Start filling the pool (at server start, when a run ends, and `refill_delay` after a take)."""
        if not self.enabled:
            return
        for name in self.kernel_names:
            self._fill(name)
        if self._idle_task is None:
            self._idle_task = asyncio.get_event_loop().create_task(self._shrink_when_idle())

    async def take(self, kernel_name: str) -> WarmKernel | None:
        """A warm, unused kernel of `kernel_name`, or None (the caller starts one itself).

        The caller owns what it gets: the kernel and its client's channels.
        """
        self._last_used = time.monotonic()
        if not self.enabled or kernel_name not in self.kernel_names:
            return None
        ready = self._ready.setdefault(kernel_name, [])
        asyncio.get_running_loop().call_later(self.refill_delay, self._fill, kernel_name)
        while ready:
            warm = ready.pop(0)
            if await self._alive(warm.kernel_id):
                return warm
            await self._shutdown(warm)
        return None

    async def close(self) -> None:
        """Shut every pooled kernel down (server stop)."""
        self._closed = True
        for task in [*self._filling.values(), *([self._idle_task] if self._idle_task else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._drain()

    # -- internals ----------------------------------------------------------------------------

    def _fill(self, kernel_name: str) -> None:
        if not self.enabled:
            return
        task = self._filling.get(kernel_name)
        if task is None or task.done():
            self._filling[kernel_name] = asyncio.get_event_loop().create_task(self._top_up(kernel_name))

    async def _top_up(self, kernel_name: str) -> None:
        while self.enabled and len(self._ready.setdefault(kernel_name, [])) < self.size:
            try:
                arguments = await self.kernel_catalog.run_arguments(kernel_name)
                kernel_id = await ensure_async(
                    self.kernel_manager.start_kernel(kernel_name=kernel_name, extra_arguments=arguments)
                )
                km = self.kernel_manager.get_kernel(kernel_id)
                with contextlib.suppress(Exception):
                    km.stop_restarter()  # before autorestart is off: it only stops a restarter when on
                km.autorestart = False
                warm = await self._connect(kernel_id, km)
            except Exception as error:
                self.log.warning("mindzie: the kernel pool could not start %s: %s", kernel_name, error)
                return
            if self._closed:
                await self._shutdown(warm)
                return
            self._ready.setdefault(kernel_name, []).append(warm)

    async def _connect(self, kernel_id: str, km: Any) -> WarmKernel:
        limit = self.max_message_bytes
        client = bounded_client(km, limit) if limit else km.client()
        try:
            await ensure_async(client.start_channels(**CHANNELS))
            await ensure_async(client.wait_for_ready(timeout=self.startup_timeout))
            info = await confirm_iopub(client, self.startup_timeout)
        except BaseException:
            with contextlib.suppress(Exception):
                await ensure_async(client.stop_channels())
            with contextlib.suppress(Exception):
                await ensure_async(self.kernel_manager.shutdown_kernel(kernel_id, now=True))
            raise
        return WarmKernel(kernel_id, client, info)

    async def _alive(self, kernel_id: str) -> bool:
        if kernel_id not in self.kernel_manager:
            return False
        return bool(await ensure_async(self.kernel_manager.get_kernel(kernel_id).is_alive()))

    async def _shrink_when_idle(self) -> None:
        while True:
            await asyncio.sleep(min(self.idle_timeout, 60.0))
            if time.monotonic() - self._last_used >= self.idle_timeout and self.kernel_ids():
                self.log.info("mindzie: the kernel pool is idle; shutting its kernels down")
                await self._drain()

    async def _drain(self) -> None:
        kernels = [warm for ready in self._ready.values() for warm in ready]
        self._ready = {}
        await asyncio.gather(*(self._shutdown(warm) for warm in kernels), return_exceptions=True)

    async def _shutdown(self, warm: WarmKernel) -> None:
        await warm.disconnect()
        if warm.kernel_id in self.kernel_manager:
            await ensure_async(self.kernel_manager.shutdown_kernel(warm.kernel_id, now=True))
