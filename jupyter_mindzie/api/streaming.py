"""multipart/form-data read as it arrives: one file part goes straight to disk, small fields stay.

A 60 MB event log must not sit in server memory (Tornado would otherwise buffer the whole
body, then the form parser would copy each part). python-multipart parses the stream in
pieces; the file part's bytes are gathered up to `FLUSH_BYTES` and written off the event loop,
so one upload holds about that much memory whatever its size. Errors are kept, not raised,
while the body streams: the handler raises them once the request is complete, as a 4xx
problem naming the field.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import IO, Any

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from jupyter_mindzie.api.wire import validated_fields
from jupyter_mindzie.errors import InvalidRequest, MindzieError, TooLarge
from jupyter_mindzie.i18n import Message

FLUSH_BYTES = 1 << 20
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 32


class StreamedForm:
    """Parse a multipart body fed in chunks; the part named `file_field` is written to `target`."""

    def __init__(self, content_type: str, target: Path, *, file_field: str = "file", max_bytes: int) -> None:
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if not boundary:
            raise InvalidRequest.for_field(
                file_field, Message("the multipart/form-data body has no boundary")
            )
        self.target = target
        self.file_field = file_field
        self.max_bytes = max_bytes
        self.fields: dict[str, list[bytes]] = {}
        self.file_parts = 0  # parts named `file_field`: exactly one is wanted
        self.filename = ""
        self.other_files: list[str] = []  # file parts under other names
        self.received = 0
        self.file_size = 0
        self.error: MindzieError | None = None
        self._file: IO[bytes] | None = None
        self._pending = bytearray()
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._part: str | None = None  # "file", "field" or "skip"
        self._field_name = ""
        self._field = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": lambda data, start, end: self._header_name.extend(data[start:end]),
                "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    async def feed(self, chunk: bytes) -> None:
        """One piece of the body; writes to disk off the event loop when enough has gathered."""
        if self.error is not None:
            return  # the rest is read and dropped: the answer is already known
        self.received += len(chunk)
        if self.received > self.max_bytes:
            self.error = too_large(self.received, self.max_bytes, self.file_field, at_least=True)
            return
        try:
            self._parser.write(chunk)
        except MultipartParseError as error:
            self.error = InvalidRequest.for_field(
                self.file_field, Message("is not valid multipart/form-data: {error}", error=str(error))
            )
        except MindzieError as error:
            self.error = error
        if len(self._pending) >= FLUSH_BYTES:
            await self._flush()

    async def finish(self) -> None:
        """The body is complete: write what is left and close the file (raise a kept error)."""
        if self.error is None:
            try:
                self._parser.finalize()
            except MultipartParseError as error:
                self.error = InvalidRequest.for_field(
                    self.file_field, Message("is not valid multipart/form-data: {error}", error=str(error))
                )
        await self._flush()
        if self._file is not None:
            await asyncio.to_thread(self._file.close)
            self._file = None
        if self.error is not None:
            raise self.error

    def discard(self) -> None:
        """Close the file (the caller removes its folder)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def text_fields(self, schema_name: str) -> dict[str, str]:
        """The plain fields, valid against the schema (api/wire.py: a field sent more than once
        is refused, never silently its last value)."""
        return validated_fields(schema_name, self.fields)

    # -- parser callbacks -----------------------------------------------------------------

    def _part_begin(self) -> None:
        self._headers = {}
        self._part = None

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", errors="replace")
        filename = options.get(b"filename")
        if name == self.file_field:
            self.file_parts += 1
            if self.file_parts > 1:
                self._part = "skip"
                return
            self.filename = filename.decode("utf-8", errors="replace") if filename else ""
            self._file = self.target.open("wb")
            self._part = "file"
        elif filename is not None:
            self.other_files.append(name)
            self._part = "skip"
        else:
            if sum(len(v) for v in self.fields.values()) >= MAX_FIELDS:
                raise InvalidRequest.for_field(
                    name, Message("too many form fields (at most {limit})", limit=MAX_FIELDS)
                )
            self._field_name = name
            self._field = bytearray()
            self._part = "field"

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part == "file":
            self._pending.extend(data[start:end])
            self.file_size += end - start
        elif self._part == "field":
            self._field.extend(data[start:end])
            if len(self._field) > MAX_FIELD_BYTES:
                raise InvalidRequest.for_field(
                    self._field_name, Message("must be at most {limit} bytes", limit=MAX_FIELD_BYTES)
                )

    def _part_end(self) -> None:
        if self._part == "field":
            self.fields.setdefault(self._field_name, []).append(bytes(self._field))
        self._part = None

    async def _flush(self) -> None:
        if self._pending and self._file is not None:
            data, self._pending = bytes(self._pending), bytearray()
            await asyncio.to_thread(self._file.write, data)
        self._pending.clear()


def too_large(size: int, limit: int, field: str, *, at_least: bool = False) -> TooLarge:
    detail = (
        Message("the upload is more than {limit} bytes; the limit is {limit} bytes", limit=limit)
        if at_least
        else Message("the upload is {size} bytes; the limit is {limit} bytes", size=size, limit=limit)
    )
    return TooLarge(
        detail, errors=[{"field": field, "message": Message("must be at most {limit} bytes", limit=limit)}]
    )


def content_length(headers: Any) -> int | None:
    """The declared body size, or None when the body is sent in chunks."""
    value = headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
