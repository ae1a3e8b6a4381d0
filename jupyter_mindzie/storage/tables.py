"""Uploaded tables: tell CSV from Parquet and read their columns and row count.

Pure and blocking (pandas and pyarrow are imported here lazily, the server itself never needs
them): callers run `inspect_table` off the event loop. Every unreadable file is an
InvalidRequest naming the form field `file`, so a bad upload is a 400, never a 500.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import NamedTuple

from jupyter_mindzie.errors import InvalidRequest

FIELD = "file"
PARQUET_MAGIC = b"PAR1"
CSV_SUFFIXES = frozenset({".csv", ".txt"})
PARQUET_SUFFIXES = frozenset({".parquet", ".parq", ".pq"})
FORMAT_FILES = {"csv": "data.csv", "parquet": "data.parquet"}
_CSV_CHUNK_ROWS = 50_000  # about 20 MB of a typical event log in memory at a time
_SNIFF_BYTES = 64 * 1024


class TableInfo(NamedTuple):
    """What the API reports about a dataset file."""

    format: str
    columns: list[str]
    column_types: dict[str, str]
    record_count: int


def bad_file(message: str) -> InvalidRequest:
    return InvalidRequest.for_field(FIELD, message)


def file_stem(filename: str) -> str:
    """The client's file name without folders (of either OS) and without its extension."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    return PurePosixPath(name).stem.strip() if "." in name.lstrip(".") else name.strip()


def detect_format(data: bytes, filename: str) -> str:
    """`csv` or `parquet`: Parquet's magic bytes win over the name; otherwise the extension decides."""
    if not data:
        raise bad_file("is empty; upload a CSV or Parquet file with a header row")
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if data[:4] == PARQUET_MAGIC and data[-4:] == PARQUET_MAGIC:
        return "parquet"
    if suffix in PARQUET_SUFFIXES:
        raise bad_file(f"is named {suffix} but is not a Parquet file (no PAR1 magic bytes)")
    if suffix and suffix not in CSV_SUFFIXES:
        raise bad_file(f"must be a CSV (.csv) or Parquet (.parquet) file, got {suffix}")
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise bad_file("is binary, not CSV text; upload UTF-8 CSV or Parquet")
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
        raise bad_file("has no columns: the first line must be a header row") from None
    except UnicodeDecodeError as error:
        raise bad_file(f"is not UTF-8 text (byte {error.start}); save the CSV as UTF-8") from None
    except (pd.errors.ParserError, ValueError, OverflowError) as error:
        raise bad_file(f"is not a readable CSV file: {_first_line(error)}") from None
    if not columns:
        raise bad_file("has no columns: the first line must be a header row")
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
        raise bad_file(f"is not a readable Parquet file: {_first_line(error)}") from None
    columns = [str(c) for c in frame.columns]
    if not columns:
        raise bad_file("has no columns")
    return TableInfo("parquet", columns, {str(c): str(t) for c, t in frame.dtypes.items()}, int(count))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__
