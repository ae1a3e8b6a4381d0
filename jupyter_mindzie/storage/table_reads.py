"""Stored tables read back: the first rows for a preview, a Parquet file written out as CSV.

Blocking, and bounded in memory whatever the file's size: a preview reads only its first rows
(pandas' `nrows`, Parquet's first batch), a conversion goes batch by batch. Callers run them
off the event loop. pandas and pyarrow are imported lazily, as in `tables.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from jupyter_mindzie.storage.tables import UTF8_BOM

_BATCH_ROWS = 50_000  # as tables.py's CSV chunks: about 20 MB of an event log at a time


class TableHead(NamedTuple):
    """The first rows of a stored table, as JSON values, and the dtypes pandas gave them."""

    columns: list[str]
    column_types: dict[str, str]
    rows: list[list[Any]]


def read_head(path: Path, fmt: str, rows: int) -> TableHead:
    """The first `rows` rows of a stored dataset file (UTF-8 CSV or Parquet)."""
    import pandas as pd

    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as parquet:
            batch = next(parquet.iter_batches(batch_size=rows), None)
            schema = parquet.schema_arrow
        frame = (batch.to_pandas() if batch is not None else schema.empty_table().to_pandas()).head(rows)
    else:
        frame = pd.read_csv(path, nrows=rows, encoding="utf-8")
    columns = [str(c) for c in frame.columns]
    # pandas' JSON writer: NaN and infinities become null, dates ISO 8601, numpy numbers plain
    values = json.loads(frame.to_json(orient="values", date_format="iso", date_unit="s", default_handler=str))
    return TableHead(columns, {str(c): str(t) for c, t in frame.dtypes.items()}, values or [])


def parquet_to_csv(source: Path, target: Path) -> None:
    """Write a Parquet file as UTF-8 CSV with a BOM (for Excel), one batch at a time."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(source) as parquet, target.open("wb") as out:
        out.write(UTF8_BOM)
        header = True
        for batch in parquet.iter_batches(batch_size=_BATCH_ROWS):
            # through pandas, so the CSV reads back as `load_dataset` would give the table
            out.write(batch.to_pandas().to_csv(index=False, header=header).encode("utf-8"))
            header = False
        if header:  # no rows at all: still the header line
            out.write(parquet.schema_arrow.empty_table().to_pandas().to_csv(index=False).encode("utf-8"))
