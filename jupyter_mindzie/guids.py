"""GUIDs as the API takes them: 8-4-4-4-12 hex, any case in, lower case out."""

from __future__ import annotations

import re
import uuid

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message

GUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GUID = re.compile(rf"^{GUID_PATTERN}$")


def is_guid(text: str) -> bool:
    return bool(_GUID.match(text))


def parse_guid(text: str, field: str) -> str:
    """The canonical (lower case) GUID, or a 400 naming `field`."""
    if not _GUID.match(text):
        raise InvalidRequest.for_field(
            field, Message("must be a GUID (8-4-4-4-12 hexadecimal digits), got {text!r}", text=text)
        )
    return text.lower()


def new_guid() -> str:
    return str(uuid.uuid4())
