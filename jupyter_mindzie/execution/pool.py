"""MindzieKernelPool: kernels started ahead of time, so a run does not wait for a kernel to boot.

Each run still gets a kernel nobody has used (a pooled kernel is taken once, never given
back), already connected: its client's IOPub subscription is confirmed while nobody waits,
and the modules the templates and the last runs import are already imported (`preload`),
with nothing left in the user's namespace. The pool refills the moment a kernel is taken, at
a lower OS priority so the refill does not compete with the run, every missing kernel side by
side; a warm-up that fails is retried with backoff, by one warm-up at a time. A run that
finds the pool empty waits for the kernel being warmed when that is sooner than starting its
own. The pool empties itself when nobody has run anything for a while, and its kernels are
the server's own, shut down with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from typing import Any

from jupyter_core.utils import ensure_async
from traitlets import Any as AnyTrait
from traitlets import Float, Int, List, Unicode, default
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.execution import priority
from jupyter_mindzie.execution.kernel_client import (
    CHANNELS,
    WarmKernel,
    confirm_iopub,
    kernel_pid,
    open_client,
    run_quietly,
)
from jupyter_mindzie.execution.kernel_start import start_kernel
from jupyter_mindzie.execution.preload import LearnedImports, imported_modules, preload_code, template_modules
from jupyter_mindzie.execution.warmup_times import Warming, running_mean, worth_waiting


class MindzieKernelPool(LoggingConfigurable):
    """Warm kernels per kernelspec, for the engine's runs."""

    size = Int(
        None,
        allow_none=True,
        config=True,
        help="Kernels kept warm per kernelspec in `kernel_names`; 0 turns the pool off. "
        "Default: one per engine slot (`MindzieEngine.slots`), so every slot finds one.",
    )
    kernel_names = List(
        Unicode(), ["python3"], config=True, help="Kernelspecs the pool keeps warm (Python kernels)."
    )
    preload = List(
        Unicode(),
        config=True,
        help="Modules a pooled kernel imports before a run adopts it (skipped when not installed), "
        "plus those the last runs of its kernelspec imported (see `learned_imports`). Default: what "
        "the templates import (pandas, matplotlib.pyplot, scikit-learn, mindzie_sdk). [] turns "
        "preloading and learning off. The run's namespace stays empty either way.",
    )
    learned_imports = Int(
        32,
        config=True,
        help="How many modules imported by the last runs of a kernelspec the pool remembers and "
        "preloads too (most recent first); 0 turns learning off.",
    )
    idle_timeout = Float(
        900.0,
        config=True,
        help="Seconds without a run after which the pool shuts its kernels down; the next run refills it.",
    )
    startup_timeout = Float(60.0, config=True, help="Seconds a pooled kernel may take to start.")
    preload_timeout = Float(120.0, config=True, help="Seconds a pooled kernel may take to import `preload`.")
    refill_delay = Float(
        0.0,
        config=True,
        help="Seconds after a take before the pool starts a replacement (it always does when a "
        "run ends). 0: at once, at the lower priority `warm_nice`.",
    )
    warm_nice = Int(
        10,
        config=True,
        help="Niceness added to a kernel while the pool warms it (Linux/Unix), taken back when a "
        "run adopts it, so a refill yields the CPU to running work. Applied only where the "
        "server may take it back (root, or a RLIMIT_NICE that allows it); 0 turns it off.",
    )
    retry_initial = Float(
        1.0, config=True, help="Seconds before a failed warm-up is retried; doubles each time."
    )
    retry_max = Float(60.0, config=True, help="Longest wait between retries of a failing warm-up.")

    kernel_manager = AnyTrait(help="The server's kernel manager.")
    kernel_catalog = AnyTrait(help="The server's kernelspecs (a MindzieKernelCatalog).")
    default_size = Int(1, help="The size when `size` is not set: the engine's slots.")

    @default("preload")
    def _default_preload(self) -> list[str]:
        return template_modules()

    max_message_bytes = Int(
        0, help="Largest message part a warm kernel's client reads (set by the engine); 0: no limit."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ready: dict[str, list[WarmKernel]] = {}
        self._filling: dict[str, set[asyncio.Task[None]]] = {}  # warm-ups under way, one per kernel
        self._own: set[str] = set()  # kernels the pool started and has not handed to a run
        # Per kernelspec, each warm-up under way: (since, pid, booted), keyed by its task.
        self._warming: dict[str, dict[asyncio.Task[None], Warming]] = {}
        self._arrivals: dict[str, asyncio.Future[None]] = {}
        self._boot_seconds: dict[str, float] = {}  # start + connect, a running mean
        self._preload_seconds: dict[str, float] = {}
        self._failing: dict[str, int] = {}  # failed attempts in a row
        self.warm_failures = 0  # every failed warm-up since the server started
        self.hits = self.misses = 0  # takes of a pooled kernelspec: a warm kernel or none (metrics)
        self.learned = LearnedImports(self.learned_imports)
        self._nice = priority.lowering_allowed(self.warm_nice)
        self._last_ready = 0.0  # when a warm kernel last became ready
        self._last_used = time.monotonic()
        self._idle_task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def target_size(self) -> int:
        return self.default_size if self.size is None else self.size

    @property
    def enabled(self) -> bool:
        return self.target_size > 0 and not self._closed

    def kernel_ids(self) -> list[str]:
        return [warm.kernel_id for ready in self._ready.values() for warm in ready]

    def modules_for(self, kernel_name: str) -> list[str]:
        """What a pooled kernel of `kernel_name` imports before a run: `preload`, then learned."""
        if not self.preload:
            return []
        return list(dict.fromkeys([*self.preload, *self.learned.modules(kernel_name)]))

    async def learn(self, kernel_name: str, sources: Iterable[str]) -> None:
        """Remember what a finished run's code imported, for the next kernels of its kernelspec
        (its cells' import statements, read off the event loop)."""
        if self.enabled and self.preload and self.learned.limit > 0 and kernel_name in self.kernel_names:
            modules = await asyncio.to_thread(imported_modules, list(sources))
            self.learned.learn(kernel_name, modules)

    def warm(self) -> None:
        """Start filling the pool (at server start, after a take, and when a run ends)."""
        if not self.enabled:
            return
        for name in self.kernel_names:
            self._fill(name)
        if self._idle_task is None:
            self._idle_task = asyncio.get_event_loop().create_task(self._shrink_when_idle())

    async def take(self, kernel_name: str) -> WarmKernel | None:
        """A warm, unused kernel of `kernel_name`, or None (the caller starts one itself).

        With none ready, waits for the one being warmed when it will be ready before a cold
        kernel would have booted (`_worth_waiting`). The caller owns what it gets: the kernel
        and its client's channels.
        """
        self._last_used = time.monotonic()
        if not self.enabled or kernel_name not in self.kernel_names:
            return None
        try:
            while True:
                ready = self._ready.setdefault(kernel_name, [])
                while ready:
                    warm = ready.pop(0)
                    try:
                        alive = await self._alive(warm.kernel_id)
                    except BaseException:
                        ready.insert(0, warm)  # cut short (a cancel): still the pool's, to hand out or close
                        raise
                    if alive:
                        self._restore_priority(warm.pid)
                        self._own.discard(warm.kernel_id)  # the run's now: it shuts it down
                        self.hits += 1
                        return warm
                    await self._shutdown(warm)
                wait = self._worth_waiting(kernel_name)
                if wait is None:
                    self.misses += 1
                    return None
                self._restore_priority(self._soonest(kernel_name)[1])  # someone waits for it
                try:
                    await asyncio.wait_for(asyncio.shield(self._arrival(kernel_name)), wait)
                except TimeoutError:
                    self.misses += 1
                    return None
        finally:
            if self.refill_delay > 0:
                asyncio.get_running_loop().call_later(self.refill_delay, self._fill, kernel_name)
            else:
                self._fill(kernel_name)

    def stats(self) -> dict[str, Any]:
        """What the pool holds and how its warm-ups went (for logs and benchmarks)."""
        return {
            "ready": {name: len(ready) for name, ready in self._ready.items()},
            "warming": sorted(name for name, warming in self._warming.items() if warming),
            "warmFailures": self.warm_failures,
            "bootSeconds": dict(self._boot_seconds),
            "preloadSeconds": dict(self._preload_seconds),
        }

    async def close(self) -> None:
        """Shut every pooled kernel down (server stop)."""
        self._closed = True
        if self.warm_failures:
            self.log.info(
                "mindzie: kernel pool: %d warm-ups failed since the server started", self.warm_failures
            )
        # A warm-up cut short here still ends its kernel's start (kernel_start.py), which
        # leaves the kernel among `_own`, shut down below.
        fillers = [task for tasks in self._filling.values() for task in tasks]
        for task in [*fillers, *([self._idle_task] if self._idle_task else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for future in self._arrivals.values():
            if not future.done():
                future.set_result(None)
        await self._drain()
        # Whatever the pool started and no run took (a start cut short anywhere) goes too.
        for kernel_id in list(self._own):
            self._own.discard(kernel_id)
            if kernel_id in self.kernel_manager:
                with contextlib.suppress(Exception):
                    await ensure_async(self.kernel_manager.shutdown_kernel(kernel_id, now=True))

    # -- internals ----------------------------------------------------------------------------

    def _worth_waiting(self, kernel_name: str) -> float | None:
        """Seconds to wait for the kernel being warmed, or None to start a cold one instead
        (warmup_times.py); never for a failing kernelspec."""
        if not self._filling.get(kernel_name) or self._failing.get(kernel_name):
            return None
        return worth_waiting(
            self._soonest(kernel_name),
            self._boot_seconds.get(kernel_name),
            self._preload_seconds.get(kernel_name, 0.0) if self.modules_for(kernel_name) else None,
            self.startup_timeout + self.preload_timeout,
        )

    def _arrival(self, kernel_name: str) -> asyncio.Future[None]:
        """Resolved when the next kernel of `kernel_name` is ready or its warm-up failed."""
        future = self._arrivals.get(kernel_name)
        if future is None or future.done():
            future = self._arrivals[kernel_name] = asyncio.get_running_loop().create_future()
        return future

    def _arrived(self, kernel_name: str) -> None:
        future = self._arrivals.pop(kernel_name, None)
        if future is not None and not future.done():
            future.set_result(None)

    def _soonest(self, kernel_name: str) -> Warming:
        """The warm-up of `kernel_name` furthest along (booted first, else started first)."""
        warming = self._warming.get(kernel_name) or {}
        now = time.monotonic()
        return min(warming.values(), key=lambda w: (w[2] is None, w[2] or w[0]), default=(now, None, None))

    def _fill(self, kernel_name: str) -> None:
        """Start a warm-up for each missing kernel, side by side: two runs that take the pool's
        two kernels at once find both back a boot later, not two boots later. A failing
        kernelspec is retried by one warm-up at a time."""
        if not self.enabled:
            return
        fillers = self._filling.setdefault(kernel_name, set())
        missing = self.target_size - len(self._ready.setdefault(kernel_name, [])) - len(fillers)
        if self._failing.get(kernel_name):
            missing = min(missing, 1 - len(fillers))
        for _ in range(missing):
            task = asyncio.get_event_loop().create_task(self._top_up(kernel_name))
            fillers.add(task)
            task.add_done_callback(fillers.discard)

    def _wants(self, kernel_name: str) -> bool:
        """Another kernel of this kernelspec is wanted, beyond those being warmed (a call:
        closing changes it while a start waits)."""
        ready = len(self._ready.setdefault(kernel_name, []))
        warming = len(self._warming.get(kernel_name) or {})
        return self.enabled and not self._closed and ready + warming < self.target_size

    async def _top_up(self, kernel_name: str) -> None:
        task = asyncio.current_task()
        assert task is not None
        while self._wants(kernel_name):
            try:
                warm = await self._start(kernel_name, task)
            except Exception as error:
                await self._failed(kernel_name, error)
                if len(self._filling.get(kernel_name) or ()) > 1:
                    return  # another warm-up goes on: one retries a failing kernelspec
                continue
            finally:
                (self._warming.get(kernel_name) or {}).pop(task, None)
            if self._closed:
                await self._shutdown(warm)
                return
            failed = self._failing.pop(kernel_name, 0)
            if failed:
                self.log.info(
                    "mindzie: the kernel pool started %s again after %d failed attempts", kernel_name, failed
                )
            self._ready.setdefault(kernel_name, []).append(warm)
            self._last_ready = time.monotonic()
            self._arrived(kernel_name)

    async def _start(self, kernel_name: str, task: asyncio.Task[None]) -> WarmKernel:
        """One pooled kernel: started at low priority, connected, its modules imported.
        Registered among the warm-ups before its first await, so `_wants` counts it."""
        started = time.monotonic()
        warming = self._warming.setdefault(kernel_name, {})
        warming[task] = (started, None, None)
        arguments = await self.kernel_catalog.run_arguments(kernel_name)
        # The pool's the moment it exists: a close that cuts this start short shuts it down.
        kernel_id = await start_kernel(
            self.kernel_manager, self._own.add, kernel_name=kernel_name, extra_arguments=arguments
        )
        km = self.kernel_manager.get_kernel(kernel_id)
        pid = kernel_pid(km)
        if self._nice and pid is not None:
            priority.renice(pid, self.warm_nice)
        warming[task] = (started, pid, None)
        with contextlib.suppress(Exception):
            km.stop_restarter()  # before autorestart is off: it only stops a restarter when on
        km.autorestart = False
        warm = await self._connect(kernel_id, km)
        warm.pid = pid
        booted = time.monotonic()
        running_mean(self._boot_seconds, kernel_name, booted - started)
        warming[task] = (started, pid, booted)
        modules = self.modules_for(kernel_name)
        if modules:
            try:
                await run_quietly(warm.client, preload_code(modules), self.preload_timeout)
            except BaseException:
                await self._shutdown(warm)
                raise
            running_mean(self._preload_seconds, kernel_name, time.monotonic() - booted)
        return warm

    async def _failed(self, kernel_name: str, error: BaseException) -> None:
        """Retry with backoff; say so once per streak of failures, not once per attempt."""
        self.warm_failures += 1
        streak = self._failing[kernel_name] = self._failing.get(kernel_name, 0) + 1
        self._arrived(kernel_name)  # whoever waits for this kernel starts its own
        delay = min(self.retry_max, self.retry_initial * 2 ** (streak - 1))
        if streak == 1:
            self.log.warning(
                "mindzie: the kernel pool could not start %s: %s (retrying with backoff; "
                "further failures are logged at debug level)",
                kernel_name,
                str(error) or type(error).__name__,
            )
        else:
            self.log.debug("mindzie: pool warm-up of %s failed again (%d): %s", kernel_name, streak, error)
        await asyncio.sleep(delay)

    async def _connect(self, kernel_id: str, km: Any) -> WarmKernel:
        client = open_client(km, self.max_message_bytes)
        try:
            await ensure_async(client.start_channels(**CHANNELS))
            info = await confirm_iopub(client, self.startup_timeout, alive=lambda: self._alive(kernel_id))
        except BaseException:
            with contextlib.suppress(Exception):
                await ensure_async(client.stop_channels())
            with contextlib.suppress(Exception):
                await ensure_async(self.kernel_manager.shutdown_kernel(kernel_id, now=True))
            raise
        return WarmKernel(kernel_id, client, info)

    def _restore_priority(self, pid: int | None) -> None:
        if self._nice and pid is not None:
            priority.renice(pid, 0)

    async def _alive(self, kernel_id: str) -> bool:
        if kernel_id not in self.kernel_manager:
            return False
        return bool(await ensure_async(self.kernel_manager.get_kernel(kernel_id).is_alive()))

    async def _shrink_when_idle(self) -> None:
        while True:
            await asyncio.sleep(min(self.idle_timeout, 60.0))
            # idle: nobody took a kernel, nor did one become ready, for idle_timeout seconds
            quiet_since = max(self._last_used, self._last_ready)
            if time.monotonic() - quiet_since >= self.idle_timeout and self.kernel_ids():
                self.log.info("mindzie: the kernel pool is idle; shutting its kernels down")
                await self._drain()

    async def _drain(self) -> None:
        kernels = [warm for ready in self._ready.values() for warm in ready]
        self._ready = {}
        await asyncio.gather(*(self._shutdown(warm) for warm in kernels), return_exceptions=True)

    async def _shutdown(self, warm: WarmKernel) -> None:
        self._own.discard(warm.kernel_id)
        await warm.disconnect()
        if warm.kernel_id in self.kernel_manager:
            await ensure_async(self.kernel_manager.shutdown_kernel(warm.kernel_id, now=True))
