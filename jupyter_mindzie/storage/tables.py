"""Uploaded tables: tell CSV from Parquet, bring CSV text to UTF-8, read columns and row count.

Pure and blocking (pandas and pyarrow are imported here lazily, the server itself never needs
them): callers run `inspect_table` off the event loop. Every unreadable file is an
InvalidRequest naming the form field `file`, so a bad upload is a 400, never a 500.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message

FIELD = "file"
PARQUET_MAGIC = b"PAR1"
CSV_SUFFIXES = frozenset({".csv", ".txt"})
PARQUET_SUFFIXES = frozenset({".parquet", ".parq", ".pq"})
FORMAT_FILES = {"csv": "data.csv", "parquet": "data.parquet"}
_CSV_CHUNK_ROWS = 50_000  # about 20 MB of a typical event log in memory at a time
_SNIFF_BYTES = 64 * 1024
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# What Excel and friends save CSV as, tried in this order; a BOM decides before any guess.
CSV_ENCODINGS = ("utf-8-sig", "utf-16", "utf-8", "cp932")


class TableInfo(NamedTuple):
    """What the API reports about a dataset file."""

    format: str
    columns: list[str]
    column_types: dict[str, str]
    record_count: int


def bad_file(message: str) -> InvalidRequest:
    """A 400 naming the upload's form field."""
    return InvalidRequest.for_field(FIELD, message)


def file_stem(filename: str) -> str:
    """The client's file name without folders (of either OS) and without its extension."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    return PurePosixPath(name).stem.strip() if "." in name.lstrip(".") else name.strip()


def detect_format(data: bytes, filename: str) -> str:
    """`csv` or `parquet`: Parquet's magic bytes win over the name; otherwise the extension decides."""
    if not data:
        raise bad_file(Message("is empty; upload a CSV or Parquet file with a header row"))
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if data[:4] == PARQUET_MAGIC and data[-4:] == PARQUET_MAGIC:
        return "parquet"
    if suffix in PARQUET_SUFFIXES:
        raise bad_file(
            Message("is named {suffix} but is not a Parquet file (no PAR1 magic bytes)", suffix=suffix)
        )
    if suffix and suffix not in CSV_SUFFIXES:
        raise bad_file(
            Message("must be a CSV (.csv) or Parquet (.parquet) file, got {suffix}", suffix=suffix)
        )
    if b"\x00" in data[:_SNIFF_BYTES] and not data.startswith(UTF16_BOMS):
        raise bad_file(Message("is binary, not CSV text; upload UTF-8 CSV or Parquet"))
    return "csv"


def detect_file_format(path: Path, filename: str) -> str:
    """`detect_format` of a stored file, reading only its head and its last bytes."""
    with path.open("rb") as file:
        head = file.read(_SNIFF_BYTES)
        size = file.seek(0, 2)
        if size > len(head):
            file.seek(size - len(PARQUET_MAGIC))
            head += file.read()  # the last bytes: Parquet's closing magic
    return detect_format(head, filename)


DELIMITERS = ",;\t|"
# Column names that say what an event log's three columns are (English, German, Japanese)
EVENT_LOG_ROLES = {
    "case id": re.compile(r"case|trace|ticket|order|ケース|案件", re.I),
    "activity": re.compile(r"activit|event|task|step|action|concept.?name|アクティビティ|工程|作業", re.I),
    "timestamp": re.compile(
        r"time|date|stamp|datum|zeit|start|complete|created|_at$|日時|時刻|日付|タイムスタンプ", re.I
    ),
}


def rewrite_with_commas(path: Path) -> str:
    """Rewrite a stored UTF-8 CSV with `,` between fields, in a stream; the delimiter it had.

    Excel in much of Europe saves "CSV" with semicolons; read with commas such a file is one
    column. csv.Sniffer guesses from the first 64 KiB; the file is rewritten only when the guess
    splits the header into more than one column, so kernels read every dataset one way.
    """
    with path.open("rb") as file:
        head = file.read(_SNIFF_BYTES)
    delimiter = _sniffed_delimiter(head, whole=path.stat().st_size <= len(head))
    if delimiter == ",":
        return ","
    target = path.with_name(path.name + ".commas")
    try:
        with (
            path.open(newline="", encoding="utf-8") as source,
            target.open("w", newline="", encoding="utf-8") as out,
        ):
            csv.writer(out, lineterminator="\n").writerows(csv.reader(source, delimiter=delimiter))
        os.replace(target, path)
    except csv.Error as error:
        raise bad_file(Message("is not a readable CSV file: {reason}", reason=str(error))) from None
    finally:
        target.unlink(missing_ok=True)
    return delimiter


def _sniffed_delimiter(head: bytes, *, whole: bool) -> str:
    sample = head.decode("utf-8", errors="ignore")
    if not whole and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        return ","
    header = next(csv.reader(io.StringIO(sample), dialect), [])
    return dialect.delimiter if len(header) >= 2 else ","


def event_log_warnings(columns: list[str]) -> list[dict[str, str]]:
    """A warning when no column's name looks like a case id, an activity or a timestamp."""
    missing = [
        role for role, pattern in EVENT_LOG_ROLES.items() if not any(pattern.search(c) for c in columns)
    ]
    if not missing:
        return []
    message = Message(
        "no column looks like {roles} of an event log (columns: {columns}); name them in the "
        "notebook's parameters (case_column, activity_column, timestamp_column)",
        roles=" / ".join(missing),
        columns=", ".join(columns[:20]),
    )
    return [{"code": "not-an-event-log", "field": FIELD, "message": message}]


def inspect_table(path: Path, fmt: str) -> TableInfo:
    """Columns (in file order), their pandas dtypes and the row count of a stored file."""
    return _inspect_parquet(path) if fmt == "parquet" else _inspect_csv(path)


def _inspect_csv(path: Path) -> TableInfo:
    """Read in chunks so a big file never sits in memory as one DataFrame."""
    import pandas as pd

    columns: list[str] | None = None
    types: dict[str, str] = {}
    count = 0
    try:
        with pd.read_csv(path, chunksize=_CSV_CHUNK_ROWS, encoding="utf-8") as reader:
            for chunk in reader:
                if columns is None:
                    columns = [str(c) for c in chunk.columns]
                count += len(chunk)
                for column, dtype in zip(columns, chunk.dtypes, strict=False):
                    types[column] = _merge_dtypes(types.get(column), str(dtype))
    except pd.errors.EmptyDataError:
        raise bad_file(Message("has no columns: the first line must be a header row")) from None
    except UnicodeDecodeError as error:
        raise bad_file(
            Message("is not UTF-8 text (byte {position}); save the CSV as UTF-8", position=error.start)
        ) from None
    except (pd.errors.ParserError, ValueError, OverflowError) as error:
        raise bad_file(Message("is not a readable CSV file: {reason}", reason=_first_line(error))) from None
    if not columns:
        raise bad_file(Message("has no columns: the first line must be a header row"))
    return TableInfo("csv", columns, {c: types.get(c, "object") for c in columns}, count)


def _merge_dtypes(seen: str | None, new: str) -> str:
    """The dtype pandas gives the whole column when chunks disagree (int + float: float)."""
    if seen is None or seen == new:
        return new
    if {seen, new} <= {"int64", "float64"}:
        return "float64"
    return "object"


def _inspect_parquet(path: Path) -> TableInfo:
    """Schema and row count come from the footer; no row group is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path) as parquet:
            count = parquet.metadata.num_rows
            # an empty table through pandas gives the columns pandas.read_parquet will give
            frame = parquet.schema_arrow.empty_table().to_pandas()
    except (pa.lib.ArrowException, ValueError, OSError, TypeError) as error:
        raise bad_file(
            Message("is not a readable Parquet file: {reason}", reason=_first_line(error))
        ) from None
    columns = [str(c) for c in frame.columns]
    if not columns:
        raise bad_file(Message("has no columns"))
    return TableInfo("parquet", columns, {str(c): str(t) for c, t in frame.dtypes.items()}, int(count))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


class _Undecodable(ValueError):
    """A file's bytes are not text in an encoding; `position` is the first bad byte's offset."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


def transcode_csv_file(path: Path) -> str:
    """Make a stored CSV UTF-8 (no BOM) in place, in chunks; returns the encoding it came in.

    A BOM names UTF-8 or UTF-16; without one, strict UTF-8 is tried before cp932 (Japanese
    Excel's "CSV"), because UTF-8 text of any length almost never decodes as cp932 by chance,
    while the reverse often would. Bytes that are neither are refused, never guessed at. A
    UTF-8 file is only read through; any other is rewritten beside itself and renamed over it.
    """
    with path.open("rb") as file:
        head = file.read(len(UTF8_BOM))
    if head.startswith(UTF8_BOM):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif head.startswith(UTF16_BOMS):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp932")
    first: _Undecodable | None = None
    for encoding in candidates:
        try:
            _transcode(path, encoding, rewrite=encoding != "utf-8")
        except _Undecodable as error:
            first = first or error
            continue
        return encoding
    assert first is not None
    if candidates == ("utf-8", "cp932"):
        raise bad_file(
            Message(
                "is not UTF-8, UTF-16 (with a BOM) or Shift-JIS (cp932) text (byte {position}); "
                "save the CSV as UTF-8",
                position=first.position,
            )
        )
    raise bad_file(
        Message(
            "starts with a {encoding} byte order mark but is not {encoding} text (byte {position})",
            encoding=candidates[0].removesuffix("-sig").upper(),
            position=first.position,
        )
    )


def _transcode(path: Path, encoding: str, *, rewrite: bool) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    target = path.with_name(path.name + ".utf8")
    consumed = 0
    try:
        with path.open("rb") as source, target.open("wb") if rewrite else _Discard() as out:
            while chunk := source.read(_TRANSCODE_CHUNK):
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    raise _Undecodable(consumed + error.start) from None
                consumed += len(chunk)
                out.write(text.encode("utf-8"))
            try:
                out.write(decoder.decode(b"", final=True).encode("utf-8"))
            except UnicodeDecodeError as error:
                raise _Undecodable(consumed + error.start) from None
        if rewrite:
            os.replace(target, path)
    finally:
        target.unlink(missing_ok=True)


class _Discard:
    """A writable sink: checking that a file is UTF-8 needs no copy of it."""

    def __enter__(self) -> _Discard:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, data: bytes) -> int:
        return len(data)


_TRANSCODE_CHUNK = 1 << 20
