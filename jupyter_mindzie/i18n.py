"""Messages in the reader's language: English templates that are translated when rendered.

A `Message` is the English text itself (a `str`), so every raise, log line and f-string that
treats it as text keeps working; it also remembers its template and named fields, so the
problem renderer (`api/base.py`) and `jupyter mindzie` can look the template up in the
`jupyter_mindzie_server` gettext catalog and fill the same fields into the translation.
Fields that are themselves Messages are translated too; plain values (field names, ids, enum
values, what the user sent) are never touched. Only the standard library is imported, as in
errors.py.

Extract, update and compile the catalog with `make i18n` (Babel).
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterable, Mapping
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

DOMAIN = "jupyter_mindzie_server"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
# language code -> the catalog folder under locale/
LANGUAGES: Mapping[str, str] = {"en": "", "ja": "ja_JP"}


class Message(str):
    """English text that can be rendered again in another language."""

    template: str
    fields: dict[str, Any]

    def __new__(cls, template: str, /, **fields: Any) -> Message:
        message = super().__new__(cls, template.format(**fields) if fields else template)
        message.template = template
        message.fields = fields
        return message

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle keep the template
        return (_rebuild, (self.template, self.fields))

    def in_language(self, language: str) -> str:
        catalog = _catalog(language)
        if catalog is None:
            return str(self)
        template = catalog.gettext(self.template)
        if not self.fields:
            return template
        fields = {name: translate(value, language) for name, value in self.fields.items()}
        try:
            return template.format(**fields)
        except (KeyError, IndexError, ValueError):  # a broken translation: the English text
            return str(self)


def _rebuild(template: str, fields: dict[str, Any]) -> Message:
    return Message(template, **fields)


def joined(messages: Iterable[Any], separator: str = "; ") -> Message:
    """Messages joined into one that still translates part by part."""
    parts = list(messages)
    fields = {f"m{i}": part for i, part in enumerate(parts)}
    return Message(separator.join(f"{{m{i}}}" for i in range(len(parts))), **fields)


def translate(value: Any, language: str) -> Any:
    """`value` in `language` when it is a Message (or a known fixed text); else unchanged."""
    if isinstance(value, Message):
        return value.in_language(language)
    if isinstance(value, str):
        catalog = _catalog(language)
        return catalog.gettext(value) if catalog is not None else value
    return value


def translate_problem(problem: Mapping[str, Any], language: str) -> dict[str, Any]:
    """A problem document with its human texts in `language`; `type`, fields, values unchanged."""
    out = dict(problem)
    for key in ("title", "detail", "message"):
        if key in out:
            out[key] = translate(out[key], language)
    if isinstance(out.get("errors"), list):
        out["errors"] = [
            {**error, "message": translate(error.get("message"), language)}
            if isinstance(error, Mapping)
            else error
            for error in out["errors"]
        ]
    return out


def translate_warnings(warnings: Iterable[Mapping[str, Any]], language: str) -> list[dict[str, Any]]:
    """A response's `validation.warnings` with each `message` in `language`; codes and fields unchanged."""
    return [{**warning, "message": translate(warning.get("message"), language)} for warning in warnings]


def status_title(status: int) -> Message:
    """The HTTP reason phrase as a problem `title`."""
    try:
        return Message(HTTPStatus(status).phrase)
    except ValueError:
        return Message("HTTP {status}", status=status)


def negotiate(accept_language: str | None) -> str:
    """The supported language the `Accept-Language` header prefers most (RFC 9110 q-values)."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        primary = tag.replace("_", "-").split("-")[0]
        if primary in LANGUAGES:
            return primary
        if tag == "*":
            return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of the user's environment, read as gettext does (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            first = value.split(":")[0]
            primary = first.split(".")[0].replace("-", "_").split("_")[0].lower()
            return primary if primary in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@cache
def _catalog(language: str) -> gettext.NullTranslations | None:
    folder = LANGUAGES.get(language)
    if not folder:
        return None
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[folder], fallback=True)


# HTTP reason phrases our problems use as titles, marked for extraction.
_TITLES = (
    Message("Bad Request"),
    Message("Unauthorized"),
    Message("Forbidden"),
    Message("Not Found"),
    Message("Method Not Allowed"),
    Message("Conflict"),
    Message("Precondition Failed"),
    Message("Request Entity Too Large"),
    Message("Too Many Requests"),
    Message("Internal Server Error"),
)
