"""The cells templates are made of, and the `parameters` cell in each kernel's language."""

from __future__ import annotations

from textwrap import dedent
from typing import NamedTuple


class TemplateCell(NamedTuple):
    cell_type: str
    source: str
    tags: tuple[str, ...] = ()


# The comment of the `parameters` cell, by the language the notebook's prose is written in.
PARAMETERS_COMMENT = {
    "en": "Parameters: defaults for a run; mindzie injects a run's values after this cell.",
    "ja": "パラメーター: 実行の既定値です。実行時の値は、mindzie がこのセルの直後に挿入します。",
}
OTHER_KERNELS_COMMENT = {
    "en": "Parameters (dataset_id = {dataset}); set defaults for a run here.",
    "ja": "パラメーター（dataset_id = {dataset}）。実行の既定値をここに設定します。",
}


def parameters_source(
    language: str, dataset_id: str | None, extra: dict[str, object] | None = None, locale: str = "en"
) -> str:
    """The `parameters` cell in the kernel's language; `dataset_id` is the bound dataset.

    `locale` ("en", "ja") is the language of its comment; names and values never change.
    """
    values: dict[str, object] = {"dataset_id": dataset_id, **(extra or {})}
    comment = PARAMETERS_COMMENT.get(locale, PARAMETERS_COMMENT["en"])
    if language == "python":
        lines = [f"# {comment}"]
        lines += [f"{name} = {value!r}" for name, value in values.items()]
    elif language == "R":
        lines = [f"# {comment}"]
        lines += [f"{name} <- {_r_literal(value)}" for name, value in values.items()]
    else:
        other = OTHER_KERNELS_COMMENT.get(locale, OTHER_KERNELS_COMMENT["en"])
        lines = ["// " + other.format(dataset=dataset_id or "none")]
    return "\n".join(lines)


def _r_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def code(source: str, *tags: str) -> TemplateCell:
    return TemplateCell("code", dedent(source).strip(), tags)


def markdown(source: str) -> TemplateCell:
    return TemplateCell("markdown", dedent(source).strip())
