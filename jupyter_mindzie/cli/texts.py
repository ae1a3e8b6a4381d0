"""The commands' human output in the user's language: `LANG` (and LANGUAGE, LC_ALL, LC_MESSAGES).

`_("template", **fields)` is gettext on the `jupyter_mindzie_server` catalog, through the same
`Message` the server's problems use: one catalog, one `make i18n`, and a message the server and
a command share (a problem's detail printed as an error line) is translated once. What `--json`
prints never goes through here. Durations and dates of the human output follow the language
too; the wire's values (`"17 minutes"`, ISO 8601 in UTC) are what the JSON keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from jupyter_mindzie.i18n import Message, environment_language, translate


def language() -> str:
    """The language of this command's output, read from the environment as gettext reads it."""
    return environment_language()


def _(template: str, /, **fields: Any) -> str:
    """`template` with `fields` in the user's language (extracted by `make i18n` as a keyword)."""
    return str(translate(Message(template, **fields), language()))


def local(text: Any) -> str:
    """A text from elsewhere (a `Message`, a server's fixed phrase) in the user's language."""
    return str(translate(text, language()))


_UNITS: dict[str, Callable[[str], str]] = {
    "seconds": lambda n: _("{n} seconds", n=n),
    "minutes": lambda n: _("{n} minutes", n=n),
    "hours": lambda n: _("{n} hours", n=n),
}


def duration_text(text: str | None) -> str | None:
    """A duration as the API writes it ("17 minutes", humanize.duration) in the user's language."""
    if not text:
        return text
    number, _space, unit = text.partition(" ")
    unit_text = _UNITS.get(unit)
    return unit_text(number) if unit_text is not None else text


def duration(seconds: float | None) -> str | None:
    """Seconds as the seed writes them ("0.5 seconds", "17 minutes"), in the user's language."""
    from jupyter_mindzie.humanize import duration as english

    return duration_text(english(seconds))


def moment(iso: str | None) -> str | None:
    """An API time (`2024-01-20T10:30:00Z`) as the user's language writes it, still in UTC."""
    if not iso or language() == "en":
        return iso
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return _(
        "{year}-{month:02d}-{day:02d} {time} UTC",
        year=when.year,
        month=when.month,
        day=when.day,
        time=when.strftime("%H:%M:%S"),
    )


def local_size(count: int | None) -> str | None:
    """A size as humanize.size writes it ("512 bytes", "2.3 GB"), its bytes in the user's language."""
    from jupyter_mindzie.humanize import size

    text = size(count)
    if text is not None and text.endswith(" bytes"):
        return _("{n} bytes", n=text.removesuffix(" bytes"))
    return text
