"""Notebook versions: a change of cells bumps minor, a change of settings bumps patch."""

from __future__ import annotations

import re
from typing import NamedTuple

_SEMVER = re.compile(r"^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$")

FIRST = "1.0.0"


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
