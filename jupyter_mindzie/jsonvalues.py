"""JSON values that Python's json reads but nothing downstream can keep.

`json.loads` accepts `1e400` (infinity, echoed back later as invalid JSON), lone surrogates
such as `"\\ud800"` (which UTF-8, SQLite and every response then fail to encode) and any depth
of nesting (a RecursionError in whatever walks it next). Requests are checked here once, with
an iterative walk, so each becomes a 400 naming the field; notebook files that already hold a
lone surrogate are made readable instead.
"""

from __future__ import annotations

import math
from typing import Any

from jupyter_mindzie.i18n import Message

MAX_DEPTH = 64  # far deeper than any parameter, setting or notebook metadata needs


def first_problem(data: Any, root: str = "", max_depth: int = MAX_DEPTH) -> tuple[str, str] | None:
    """The first value that cannot be kept, as (field path, reason); None when all is well."""
    stack: list[tuple[Any, str, int]] = [(data, root, 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > max_depth:
            return path or "body", Message("is nested more than {depth} levels deep", depth=max_depth)
        if isinstance(value, float) and not math.isfinite(value):
            return path or "body", Message("must be a finite number")
        if isinstance(value, str) and not _encodable(value):
            return path or "body", Message("holds a lone surrogate (\\ud800–\\udfff), which is not text")
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if not _encodable(str(key)):
                    return path or "body", Message("has a key with a lone surrogate, which is not text")
                stack.append((item, child, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{n}]", depth + 1) for n, item in enumerate(value))
    return None


def scrub_surrogates(data: Any) -> Any:
    """`data` with every lone surrogate written as its escape (`\\ud800` as six characters).

    Inside a Python string literal the escape means the same character again, so code that
    held one still runs the same; everywhere else it is readable text.
    """
    if isinstance(data, str):
        return data if _encodable(data) else data.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(data, dict):
        return {scrub_surrogates(key): scrub_surrogates(value) for key, value in data.items()}
    if isinstance(data, list):
        return [scrub_surrogates(item) for item in data]
    return data


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
