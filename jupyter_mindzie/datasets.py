"""Datasets: CSV and Parquet files a project's notebooks are bound to (being written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from traitlets import Instance, Unicode, default
from traitlets.config import LoggingConfigurable

from .store import Store


class DatasetLibrary(LoggingConfigurable):
    """Stores uploaded datasets as files beside the store and their metadata in it."""

    store = Instance(Store)
    datasets_dir = Unicode(config=True, help="Folder of dataset files. Default: datasets/ beside the store.")

    @default("datasets_dir")
    def _default_datasets_dir(self) -> str:
        return str(Path(self.store.db_path).parent / "datasets")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
