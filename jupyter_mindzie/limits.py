"""Size limits on what clients send, answered 413 naming the field."""

from __future__ import annotations

from jupyter_mindzie.errors import TooLarge
from jupyter_mindzie.i18n import Message


def check_upload_size(size: int, limit: int, field: str = "file") -> None:
    """413 when an upload of `size` bytes is over `limit`."""
    if size > limit:
        raise TooLarge(
            Message("the upload is {size} bytes; the limit is {limit} bytes", size=size, limit=limit),
            errors=[{"field": field, "message": Message("must be at most {limit} bytes", limit=limit)}],
        )
