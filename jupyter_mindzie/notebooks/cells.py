"""The cells templates are made of, and the `parameters` cell in each kernel's language."""

from __future__ import annotations

from textwrap import dedent
from typing import NamedTuple


class TemplateCell(NamedTuple):
    cell_type: str
    source: str
    tags: tuple[str, ...] = ()


def parameters_source(language: str, dataset_id: str | None, extra: dict[str, object] | None = None) -> str:
    """The `parameters` cell in the kernel's language; `dataset_id` is the bound dataset."""
    values: dict[str, object] = {"dataset_id": dataset_id, **(extra or {})}
    if language == "python":
        lines = ["# Parameters: defaults for a run; mindzie injects a run's values after this cell."]
        lines += [f"{name} = {value!r}" for name, value in values.items()]
    elif language == "R":
        lines = ["# Parameters: defaults for a run; mindzie injects a run's values after this cell."]
        lines += [f"{name} <- {_r_literal(value)}" for name, value in values.items()]
    else:
        lines = [f"// Parameters (dataset_id = {dataset_id or 'none'}); set defaults for a run here."]
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
