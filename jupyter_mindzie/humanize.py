"""Durations and sizes as the seed writes them ("0.5 seconds", "17 minutes", "2.3 GB")."""

from __future__ import annotations


def _number(value: float) -> str:
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return text[:-2] if text.endswith(".0") else text


def duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    if seconds < 60:
        return f"{_number(seconds) if seconds >= 0.1 else '0.1' if seconds > 0 else '0'} seconds"
    if seconds < 3600:
        return f"{_number(seconds / 60)} minutes"
    return f"{_number(seconds / 3600)} hours"


def duration_range(low: float, high: float) -> str:
    """What `estimatedDuration` says: "15-20 minutes", or one value when the two agree."""
    first, second = duration(low) or "", duration(high) or ""
    if first == second:
        return f"about {first}"
    number, unit = first.split(" ", 1)
    if second.endswith(unit):
        return f"{number}-{second}"
    return f"{first} - {second}"


def size(count: int | None) -> str | None:
    if count is None:
        return None
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{_number(value)} {unit}"
        value /= 1024
    return None  # pragma: no cover
