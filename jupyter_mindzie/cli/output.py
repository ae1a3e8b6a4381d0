"""Human output shared by the commands: aligned tables, pages of a listing, or the JSON as it came."""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from jupyter_mindzie.cli.errors import OK
from jupyter_mindzie.cli.texts import _

Column = tuple[str, str | Callable[[dict[str, Any]], Any]]


def show(options: argparse.Namespace, answer: Any, render: Callable[[Any], Iterator[str]]) -> int:
    """The answer as JSON with --json, else as the lines `render` makes of it."""
    if options.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        for line in render(answer):
            print(line)
    return OK


def page_lines(
    answer: dict[str, Any], key: str, columns: list[Column], page: int, items_name: str
) -> Iterator[str]:
    """One page of a listing as a table; a column is a JSON field or a function of the item.

    `items_name` is what the items are called in the user's language ("notebooks").
    """
    items = answer[key]
    if not items:
        yield (
            _("no {items} on page {page}", items=items_name, page=page)
            if page > 1
            else _("no {items}", items=items_name)
        )
        return
    rows = [[field(item) if callable(field) else item.get(field) for _t, field in columns] for item in items]
    yield from table([title for title, _f in columns], rows)
    shown = {"shown": len(items), "total": answer["totalCount"], "items": items_name, "page": page}
    if answer.get("hasNextPage"):
        yield _("{shown} of {total} {items} (page {page}); next: --page {next}", **shown, next=page + 1)
    else:
        yield _("{shown} of {total} {items} (page {page})", **shown)


def labelled(pairs: list[tuple[str, Any]]) -> Iterator[str]:
    """`label  value` lines with the values in one column (wide characters count twice)."""
    width = max(_width(label) for label, _v in pairs) + 2
    for label, value in pairs:
        yield (label + " " * (width - _width(label)) + str(value)).rstrip()


def table(headers: list[str], rows: list[list[Any]]) -> Iterator[str]:
    """Aligned columns; wide (CJK) characters count twice, as a terminal shows them."""
    cells = [[_cell_text(value) for value in row] for row in rows]
    widths = [max(_width(line[i]) for line in [headers, *cells]) for i in range(len(headers))]
    for line in [headers, *cells]:
        yield "  ".join(
            text + " " * (width - _width(text)) for text, width in zip(line, widths, strict=True)
        ).rstrip()


def _cell_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return " ".join(str(value).split())


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
