"""The kernel-side helper's client: load the bound dataset and publish enriched dataframes, models and metrics.

It runs inside the notebook's kernel, so it imports only the standard library at import time
(pandas and IPython when used, never tornado or jupyter_server). An execution's kernel gets its
context in the environment variable `MINDZIE_CONTEXT` (JSON); a notebook opened in JupyterLab
has none, and then the datasets folder is found by walking up to `.mindzie/datasets`.

Publishing writes the artifact into the execution's artifacts folder and displays one output
whose MIME bundle carries a `application/vnd.mindzie.*+json` part, which the server turns into
the execution's results.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mindzie_sdk.mimes import CONTEXT_ENV, ENRICHED_MIME, MODEL_MIME

if TYPE_CHECKING:
    import pandas as pd

CONTEXT_KEYS = (
    "executionId",
    "notebookId",
    "tenantId",
    "projectId",
    "datasetId",
    "datasetsDir",
    "artifactsDir",
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PREVIEW_ROWS = 10


class DatasetNotFoundError(LookupError):
    """No such dataset in this execution's tenant and project (or none bound, or no datasets folder)."""


def execution_context(start: Path | None = None) -> dict[str, Any]:
    """The execution's context from `MINDZIE_CONTEXT`, else one found from the working directory.

    A kernel behind a Jupyter gateway gets it as `KERNEL_MINDZIE_CONTEXT`: gateways pass on
    only variables with that prefix.
    """
    raw = os.environ.get(CONTEXT_ENV) or os.environ.get(f"KERNEL_{CONTEXT_ENV}")
    if raw:
        try:
            given = json.loads(raw)
        except ValueError as error:
            raise RuntimeError(f"{CONTEXT_ENV} is not valid JSON: {error}") from None
        if not isinstance(given, dict):
            raise RuntimeError(f"{CONTEXT_ENV} must be a JSON object")
        return _complete(given)
    found = find_datasets_dir(start or Path.cwd())
    return _complete({"datasetsDir": str(found) if found else None})


def find_datasets_dir(start: Path) -> Path | None:
    """The first `.mindzie/datasets` in `start` or a parent: where the server keeps datasets by default."""
    start = start.absolute()
    for folder in (start, *start.parents):
        candidate = folder / ".mindzie" / "datasets"
        if candidate.is_dir():
            return candidate
    return None


def _complete(context: dict[str, Any]) -> dict[str, Any]:
    return {**dict.fromkeys(CONTEXT_KEYS), **context}


class ProcessMiningClient:
    """Datasets and publishing for the notebook this kernel runs."""

    def __init__(self, context: dict[str, Any] | None = None) -> None:
        self._context = _complete(dict(context)) if context is not None else execution_context()
        self._loaded_columns: list[str] | None = None

    @property
    def context(self) -> dict[str, Any]:
        return dict(self._context)

    # -- datasets -----------------------------------------------------------------------

    def load_dataset(self, dataset_id: str | None = None) -> pd.DataFrame:
        """The dataset as a DataFrame: `dataset_id`, else the one bound to this execution."""
        meta, folder = self._meta(self._dataset_id(dataset_id))
        path = folder / meta["file"]
        import pandas as pd

        frame = pd.read_parquet(path) if meta.get("format") == "parquet" else pd.read_csv(path)
        self._loaded_columns = [str(column) for column in frame.columns]
        return frame

    def list_datasets(self) -> list[dict[str, Any]]:
        """The meta.json of every dataset of this tenant and project (all of them when unknown), newest first."""
        root = self._datasets_dir()
        found = []
        for meta_file in root.glob("*/meta.json") if root else ():
            if not _GUID.match(meta_file.parent.name):
                continue
            try:
                meta = json.loads(meta_file.read_text("utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(meta, dict) and self._visible(meta):
                found.append(meta)
        return sorted(found, key=lambda meta: str(meta.get("dateCreated") or ""), reverse=True)

    def _dataset_id(self, dataset_id: str | None) -> str:
        chosen = dataset_id or self._context.get("datasetId")
        if not chosen:
            raise DatasetNotFoundError(
                "no dataset is bound to this execution and none was given: pass an id, "
                "load_dataset('<datasetId>'), or bind one (integration.datasetBinding)"
            )
        return str(chosen).strip().lower()

    def _meta(self, dataset_id: str) -> tuple[dict[str, Any], Path]:
        root = self._datasets_dir()
        if root is None:
            raise DatasetNotFoundError(
                f"dataset {dataset_id} was not found: there is no datasets folder (no {CONTEXT_ENV} "
                "and no .mindzie/datasets above the working directory)"
            )
        not_found = DatasetNotFoundError(
            f"dataset {dataset_id} was not found; upload it with "
            f"POST /api/{self._context.get('tenantId') or '{tenantId}'}/"
            f"{self._context.get('projectId') or '{projectId}'}/dataset or bind another"
        )
        if not _GUID.match(dataset_id):
            raise not_found
        folder = root / dataset_id
        try:
            meta = json.loads((folder / "meta.json").read_text("utf-8"))
        except (OSError, ValueError):
            raise not_found from None
        # another tenant's or project's dataset answers exactly like a missing one
        if not isinstance(meta, dict) or not self._visible(meta):
            raise not_found
        file = str(meta.get("file") or "")
        if not file or Path(file).name != file or not (folder / file).is_file():
            raise not_found
        return meta, folder

    def _visible(self, meta: dict[str, Any]) -> bool:
        """Outside an execution tenant and project are unknown: the analyst sees the server's folder."""
        return all(
            not self._context.get(key) or str(meta.get(key, "")).lower() == str(self._context[key]).lower()
            for key in ("tenantId", "projectId")
        )

    def _datasets_dir(self) -> Path | None:
        folder = self._context.get("datasetsDir")
        return Path(folder) if folder else None

    def _base_columns(self) -> list[str]:
        """The bound dataset's columns, else the last loaded dataset's: what is not new."""
        bound = self._context.get("datasetId")
        if bound:
            try:
                return [str(column) for column in self._meta(str(bound).lower())[0].get("columns") or []]
            except DatasetNotFoundError:
                pass
        return list(self._loaded_columns or [])

    # -- process maps -------------------------------------------------------------------

    def show_process_map(
        self,
        log: pd.DataFrame,
        *,
        case: str = "case_id",
        activity: str = "activity",
        timestamp: str = "timestamp",
        view: str = "frequency",
        activities: float = 1.0,
        paths: float = 1.0,
        title: str = "Process map",
    ) -> dict[str, Any]:
        """Display the process map of `log` (interactive JSON, SVG and PNG in one output) and
        return its JSON document; see `mindzie_sdk.maps.show_process_map`."""
        from mindzie_sdk.maps import show_process_map
        from mindzie_sdk.mining import LogColumns

        return show_process_map(
            log,
            LogColumns(case, activity, timestamp),
            view=view,
            activities=activities,
            paths=paths,
            title=title,
        )

    # -- publishing ---------------------------------------------------------------------

    def publish_enriched(
        self, df: pd.DataFrame, name: str, *, base_columns: list[str] | None = None, register: bool = True
    ) -> dict[str, Any]:
        """Save `df` as an artifact CSV and show it; `newColumns` are those not in `base_columns`
        (default: the bound dataset's columns, else those of the last loaded dataset).

        In a run the server then registers the table as a new dataset of the project, with its
        lineage, unless `register` is False (or the run asked `saveIntermediateResults: false`).
        """
        if not (hasattr(df, "columns") and hasattr(df, "to_csv")):
            raise TypeError(f"publish_enriched needs a pandas DataFrame, got {type(df).__name__}")
        columns = [str(column) for column in df.columns]
        base = set(map(str, base_columns)) if base_columns is not None else set(self._base_columns())
        file = self._artifact(f"enriched-{safe_name(name)}.csv", _excel_csv(df))
        info: dict[str, Any] = {
            "name": name,
            "file": file,
            "recordCount": len(df),
            "newColumns": [column for column in columns if column not in base],
            "columns": columns,
            "format": "pandas_dataframe",
            "register": bool(register),
        }
        caption = (
            f"{name}: {info['recordCount']} records; new columns: {', '.join(info['newColumns']) or 'none'}"
        )
        table = df.head(_PREVIEW_ROWS).to_html(border=0, max_cols=30)
        preview = table.replace(">", f">\n<caption>{html.escape(caption)}</caption>", 1)
        plain = f"Enriched dataset {caption}" + (f" (saved as {file})" if file else "")
        _display({ENRICHED_MIME: info, "text/html": preview, "text/plain": plain}, {"title": name})
        return dict(info)

    def publish_model(
        self,
        model: Any,
        name: str,
        *,
        metrics: dict[str, Any] | None = None,
        features: list[str] | None = None,
        model_type: str | None = None,
    ) -> dict[str, Any]:
        """Save `model` as an artifact (joblib when installed, else pickle) and show its summary."""
        try:
            import joblib
        except ImportError:
            joblib = None
        if joblib is not None:
            file = self._artifact(f"model-{safe_name(name)}.joblib", lambda path: joblib.dump(model, path))
        else:
            import pickle

            file = self._artifact(
                f"model-{safe_name(name)}.pkl", lambda path: path.write_bytes(pickle.dumps(model, protocol=4))
            )
        if features is None and hasattr(model, "feature_names_in_"):
            features = list(model.feature_names_in_)
        metrics = jsonable(metrics or {})
        info = {
            "name": name,
            "file": file,
            "modelType": model_type or type(model).__name__,
            "accuracy": metrics.get("accuracy"),
            "metrics": metrics,
            "features": [str(feature) for feature in features] if features is not None else None,
        }
        plain = f"Model {name} ({info['modelType']})" + (
            f", accuracy {info['accuracy']}" if info["accuracy"] is not None else ""
        )
        _display(
            {MODEL_MIME: info, "text/plain": plain + (f", saved as {file}" if file else "")}, {"title": name}
        )
        return dict(info)

    def publish_metrics(self, metrics: dict[str, Any], title: str = "Process mining metrics") -> None:
        """Show `metrics` as one JSON output titled `title` (numpy and pandas values made plain)."""
        metrics = jsonable(metrics)
        _display(
            {"application/json": metrics, "text/plain": json.dumps(metrics, indent=2, ensure_ascii=False)},
            {"title": title},
        )

    def _artifact(self, file_name: str, write: Any) -> str | None:
        """Write through a temporary name so a reader never sees half a file; None without artifactsDir."""
        folder = self._context.get("artifactsDir")
        if not folder:
            return None
        Path(folder).mkdir(parents=True, exist_ok=True)
        target = Path(folder) / file_name
        partial = target.with_name(f".{file_name}.partial")
        try:
            write(partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return file_name


def safe_name(name: str) -> str:
    """A file-name part from a display name: ASCII letters, digits, '.', '_' and '-'."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-.")[:100].strip("-.")
    return text or "unnamed"


def jsonable(value: Any) -> Any:
    """`value` in plain JSON types: numpy and pandas values converted, NaN and infinities as null
    (the browser's JSON.parse rejects them)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if type(value).__name__ in ("NaTType", "NAType"):  # pandas' missing values
        return None
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return jsonable(value.tolist())
    if hasattr(value, "isoformat"):  # datetime, pandas.Timestamp
        return value.isoformat()
    return str(value)


def _display(bundle: dict[str, Any], metadata: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True, metadata=metadata)


_default: ProcessMiningClient | None = None


def _client() -> ProcessMiningClient:
    """One client per kernel for the shortcuts, so they share the last loaded dataset."""
    global _default
    if _default is None:
        _default = ProcessMiningClient()
    return _default


def load_dataset(dataset_id: str | None = None) -> pd.DataFrame:
    return _client().load_dataset(dataset_id)


def list_datasets() -> list[dict[str, Any]]:
    return _client().list_datasets()


def publish_enriched(
    df: pd.DataFrame, name: str, *, base_columns: list[str] | None = None, register: bool = True
) -> dict[str, Any]:
    return _client().publish_enriched(df, name, base_columns=base_columns, register=register)


def show_process_map(
    log: pd.DataFrame,
    *,
    case: str = "case_id",
    activity: str = "activity",
    timestamp: str = "timestamp",
    view: str = "frequency",
    activities: float = 1.0,
    paths: float = 1.0,
    title: str = "Process map",
) -> dict[str, Any]:
    return _client().show_process_map(
        log,
        case=case,
        activity=activity,
        timestamp=timestamp,
        view=view,
        activities=activities,
        paths=paths,
        title=title,
    )


def publish_model(
    model: Any,
    name: str,
    *,
    metrics: dict[str, Any] | None = None,
    features: list[str] | None = None,
    model_type: str | None = None,
) -> dict[str, Any]:
    return _client().publish_model(model, name, metrics=metrics, features=features, model_type=model_type)


def publish_metrics(metrics: dict[str, Any], title: str = "Process mining metrics") -> None:
    _client().publish_metrics(metrics, title)


def _excel_csv(df: pd.DataFrame) -> Any:
    """Writes `df` as UTF-8 CSV with a BOM: Excel (Japanese Excel above all) reads it as UTF-8
    only then; pandas and every CSV reader of ours skip the BOM."""
    return lambda path: df.to_csv(path, index=False, encoding="utf-8-sig")
