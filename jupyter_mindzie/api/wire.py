"""Query arguments and form fields as the client sent them, for validation against schema/api.

Tornado's `get_query_argument` replaces control characters with spaces and strips whitespace,
and its form readers keep the last of repeated fields: `?includeCells=%08` read as absent, and
a `name` field sent twice (a list, which the schema forbids) as its last value. Validation then
approved what the schema refuses. Values are read here as sent: a repeated scalar argument is
a 400 naming it, a repeated form field reaches the schema as the list it is, and nothing is
stripped. An empty query value counts as absent, as an HTML form sends an empty filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from tornado.web import RequestHandler

from jupyter_mindzie.contract import schemas
from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message

BOOLEANS = {"true": True, "false": False}


def query_value(handler: RequestHandler, name: str) -> str | None:
    """The one value of a query argument, decoded but otherwise as sent; None when absent or
    empty. Sent more than once, it is a 400: no documented query argument is a list."""
    values = handler.request.query_arguments.get(name) or []
    if len(values) > 1:
        raise InvalidRequest.for_field(
            name, Message("must be given once, got {count} values", count=len(values))
        )
    if not values or not values[0]:
        return None
    return str(handler.decode_argument(values[0], name=name))


def query_flag(handler: RequestHandler, name: str, default: bool) -> bool:
    """A boolean query argument: `true` or `false` (any case), else a 400 naming it."""
    raw = query_value(handler, name)
    if raw is None:
        return default
    if raw.lower() not in BOOLEANS:
        raise InvalidRequest.for_field(name, Message("must be true or false, got {raw!r}", raw=raw))
    return BOOLEANS[raw.lower()]


def form_fields(fields: Mapping[str, list[bytes]]) -> dict[str, str | list[str]]:
    """Plain multipart fields as text: a field sent once is its string, a repeated one the list
    of its values (which a schema of string fields refuses, naming the field)."""
    decoded: dict[str, str | list[str]] = {}
    for name, values in fields.items():
        texts = [value.decode("utf-8", errors="replace") for value in values]
        decoded[name] = texts[0] if len(texts) == 1 else texts
    return decoded


def validated_fields(schema_name: str, fields: Mapping[str, list[bytes]]) -> dict[str, str]:
    """The form's plain fields, valid against `schema/api/<schema_name>.json` (whose fields are
    all strings), else a 400 naming each field that is not."""
    decoded = form_fields(fields)
    schemas.validate(schema_name, decoded)
    return cast(dict[str, str], decoded)
