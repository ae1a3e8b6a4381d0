"""A JSON request body read, checked and validated: the same rules whether a handler does it
on the event loop (small bodies) or a worker process does it (large ones, see `offload.py`).

Pure and blocking: no Tornado, so a spawned worker imports only this, the schemas and nbformat.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_mindzie.contract import schemas
from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.jsonvalues import first_problem


def parse_json_body(body: bytes, schema_name: str) -> dict[str, Any]:
    """The body as a JSON object valid against `schema/api/<schema_name>.json`, else InvalidRequest."""
    if not body.strip():
        raise InvalidRequest.for_field("body", Message("must be a JSON object; the body is empty"))
    try:
        data = json.loads(body, parse_constant=_not_json)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, NaN or Infinity
        raise InvalidRequest.for_field("body", Message("is not valid JSON: {error}", error=error)) from None
    except RecursionError:
        raise InvalidRequest.for_field("body", Message("is nested too deeply")) from None
    if not isinstance(data, dict):
        raise InvalidRequest.for_field("body", Message("must be a JSON object"))
    problem = first_problem(data)  # 1e400, "\ud800", nesting no store or response can keep
    if problem is not None:
        raise InvalidRequest.for_field(*problem)
    try:
        schemas.validate(schema_name, data)
    except RecursionError:
        raise InvalidRequest.for_field("body", Message("is nested too deeply")) from None
    return data


def parse_json_body_outcome(body: bytes, schema_name: str) -> tuple[dict[str, Any] | None, Any]:
    """`parse_json_body` for a worker process: `(data, None)` or `(None, (detail, errors))`.

    The error travels as its parts (Messages pickle with their templates), because an exception
    with keyword-only fields does not survive pickling whole.
    """
    try:
        return parse_json_body(body, schema_name), None
    except InvalidRequest as invalid:
        return None, (invalid.detail, invalid.errors)


def raise_outcome(outcome: tuple[dict[str, Any] | None, Any]) -> dict[str, Any]:
    data, problem = outcome
    if data is None:
        detail, errors = problem
        raise InvalidRequest(detail, errors=errors)
    return data


def _not_json(name: str) -> Any:
    """Python's json reads NaN and Infinity; they are not JSON and would be echoed back as invalid JSON."""
    raise ValueError(f"{name} is not a JSON value")
