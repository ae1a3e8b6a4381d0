"""Time in one place: UTC only, ISO 8601 with `Z` on the wire."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime | None) -> str | None:
    """Second precision with `Z`, as the seed shows (`2024-01-20T10:30:00Z`)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(moment: datetime | None = None) -> str:
    """Full-precision sortable text for the store."""
    return (moment or utcnow()).astimezone(UTC).isoformat(timespec="microseconds")


def from_stamp(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text)


def iso_from_stamp(text: str | None) -> str | None:
    return to_iso(from_stamp(text))
