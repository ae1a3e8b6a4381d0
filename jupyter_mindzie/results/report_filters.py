"""The report's exporter: nbconvert's HTMLExporter with its code-cell filters remembered.

Of the 0.5–1 s nbconvert takes to render the starter's report, about half goes to each code
cell's input: pygments highlights the source, then `clean_html` runs the highlighted HTML
through bleach's HTML5 parser. Both depend only on the cell (its source, the lexer, its
metadata), and a notebook is mostly run again as it was, so the second report of a notebook
reuses what the first one made: the same strings nbconvert would have made, so the report is
byte for byte what it was. Bounded: at most `ENTRIES` results of inputs up to `LARGEST`
characters each (a few MB at worst); larger inputs are worked out every time.

Imported when the first report is rendered (nbconvert takes about a second to import).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from nbconvert import HTMLExporter
from nbconvert.filters import Highlight2HTML, clean_html
from nbformat import NotebookNode

ENTRIES = 256
LARGEST = 32_768


class Memo:
    """A bounded least-recently-used map from keys to strings, safe to share between threads."""

    def __init__(self, entries: int = ENTRIES) -> None:
        self.entries = entries
        self.hits = 0
        self._values: OrderedDict[Any, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], str]) -> str:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
                self.hits += 1
                return value
        value = make()  # outside the lock: two threads may both make it, and get the same string
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.entries:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self.hits = 0


highlighted = Memo()
cleaned = Memo()


def remembered_clean_html(element: Any) -> str:
    """nbconvert's `clean_html`, remembered for inputs up to `LARGEST` characters."""
    text = element.decode() if isinstance(element, bytes) else str(element)
    if len(text) > LARGEST:
        return str(clean_html(text))
    return cleaned.get(text, lambda: str(clean_html(text)))


class RememberedHighlight(Highlight2HTML):
    """nbconvert's `highlight_code` filter, remembered per (source, lexer, metadata, options)."""

    def __call__(self, source: str, language: str | None = None, metadata: Any = None) -> str:
        def make() -> str:
            return str(super(RememberedHighlight, self).__call__(source, language, metadata))  # type: ignore[no-untyped-call]

        if len(source) > LARGEST:
            return make()
        key = (
            source,
            language or self.pygments_lexer,
            json.dumps(metadata or {}, sort_keys=True, default=str),
            json.dumps(self.extra_formatter_options, sort_keys=True, default=str),
        )
        return highlighted.get(key, make)


class ReportExporter(HTMLExporter):
    """HTMLExporter whose code-cell filters are remembered; otherwise nbconvert's own."""

    def __init__(self, **kwargs: Any) -> None:
        self._highlight = RememberedHighlight()  # type: ignore[no-untyped-call]
        super().__init__(filters={"highlight_code": self._highlight}, **kwargs)  # type: ignore[no-untyped-call]
        self._highlight.parent = self

    def default_filters(self) -> Iterable[tuple[str, Any]]:
        for name, value in super().default_filters():  # type: ignore[no-untyped-call]
            yield name, remembered_clean_html if name == "clean_html" else value

    def from_notebook_node(  # type: ignore[override]  # as HTMLExporter's own
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        # HTMLExporter makes a highlighter for the notebook's language unless one is configured:
        # ours is, so it takes that language as nbconvert would.
        info = nb.metadata.get("language_info", {})
        self._highlight.pygments_lexer = info.get("pygments_lexer", info.get("name", None)) or "ipython3"
        body, resources = super().from_notebook_node(nb, resources, **kw)
        return str(body), resources
