"""When a warming pooled kernel will be ready, and whether a run should wait for it.

Pure arithmetic over the pool's running means of its last warm-ups (a boot, then the preload),
kept apart from the pool so the estimate reads on its own.
"""

from __future__ import annotations

import time

Warming = tuple[float, int | None, float | None]  # a warm-up's start, its kernel's pid, when it booted


def worth_waiting(
    warming: Warming, boot: float | None, preload: float | None, timeout: float
) -> float | None:
    """Seconds to wait for the warm-up `warming`, or None to start a cold kernel instead.

    Worth it when what is left of the warm-up (`boot`, then `preload`: running means, None when
    not measured yet; `preload` None when the pool preloads nothing) is no longer than a cold
    kernel's boot. The cold kernel is not assumed to need the preloaded modules: a run that
    does not import pandas should not wait for them. Before anything was measured, only a pool
    that preloads nothing is waited for (its warm-up is a boot, as the cold start would be).
    `timeout` bounds the whole warm-up.
    """
    now = time.monotonic()
    since, _, booted = warming
    left: float | None
    if boot is None:
        left, cold = (0.0 if preload is None else None), 0.0
    elif booted is None:
        left, cold = _left(boot, now - since) + (preload or 0.0), boot
    else:
        left, cold = _left(preload or 0.0, now - booted), boot
    if left is None or left > cold:
        return None
    return timeout - (now - since)


def _left(expected: float, elapsed: float) -> float:
    """What is left of a step expected to take `expected` s after `elapsed` s; once overdue,
    guess as long again as it has been late."""
    return expected - elapsed if elapsed <= expected else elapsed - expected


def running_mean(means: dict[str, float], key: str, seconds: float) -> None:
    """A running mean that follows the machine's current speed (the last few warm-ups weigh most)."""
    means[key] = seconds if key not in means else 0.7 * means[key] + 0.3 * seconds
