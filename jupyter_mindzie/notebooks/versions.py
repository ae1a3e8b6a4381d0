"""Notebook versions: a change of cells bumps minor, a change of settings bumps patch."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from jupyter_mindzie.errors import PreconditionFailed
from jupyter_mindzie.i18n import Message

_SEMVER = re.compile(r"^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$")

FIRST = "1.0.0"
"""Every notebook starts here."""


class Version(NamedTuple):
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def next_minor(self) -> Version:
        return Version(self.major, self.minor + 1, 0)

    def next_patch(self) -> Version:
        return Version(self.major, self.minor, self.patch + 1)


def parse(text: str) -> Version | None:
    match = _SEMVER.match(text or "")
    return Version(*map(int, match.groups())) if match else None


def bump(current: str, *, cells_changed: bool) -> Version:
    version = parse(current) or Version(1, 0, 0)
    return version.next_minor() if cells_changed else version.next_patch()


def version_row(
    notebook_id: str,
    version: Version,
    change: str,
    user: str | None,
    when: str,
    settings: dict[str, Any],
    content: str,
) -> dict[str, Any]:
    """The store row of one version: its number, who made it, and the notebook as it was."""
    return {
        "notebook_id": notebook_id,
        "version": str(version),
        "major": version.major,
        "minor": version.minor,
        "patch": version.patch,
        "change": change,
        "created_by": user,
        "date_created": when,
        "settings": settings,
        "content": content,
    }


def check_if_match(current: str, if_match: list[str] | None) -> None:
    """412 unless `If-Match` (absent, `*`, or a list of versions) names the current version."""
    if if_match is None or "*" in if_match or current in if_match:
        return
    raise PreconditionFailed(
        Message(
            "the notebook is at version {version}, not {asked}; read it again and retry",
            version=current,
            asked=", ".join(if_match),
        ),
        errors=[{"field": "If-Match", "message": Message("current version is {version}", version=current)}],
    )
