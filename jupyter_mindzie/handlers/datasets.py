"""Dataset endpoints (being written)."""

from __future__ import annotations


def dataset_routes() -> list[tuple[str, type]]:
    return []
