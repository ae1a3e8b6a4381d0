"""Papermill-compatible parameter injection, so a notebook runs the same here and under papermill.

The values are written by papermill's own translators (Python, R, Scala, Julia, …); we only
decide where the `injected-parameters` cell goes and which id it gets. papermill is imported
on first use: its package import (≈ 0.6 s) would otherwise slow every server start.
"""

from __future__ import annotations

import ast
import copy
import json
import keyword
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
COMMENT = "Parameters"  # papermill's comment line, kept so the cell reads the same


def inject_parameters(
    nb: NotebookNode, parameters: dict[str, Any], *, kernel_name: str, language: str
) -> NotebookNode:
    """A copy of `nb` with `parameters` in a cell tagged `injected-parameters`.

    Placed as papermill does: in place of an earlier injected cell, else right after the
    first cell tagged `parameters`, else first. Empty parameters inject nothing, but a stale
    injected cell (from an earlier papermill run) is still dropped, as papermill would.
    """
    result = copy.deepcopy(nb)
    if (result.get("nbformat"), result.get("nbformat_minor", 0)) < (4, 5):
        result = nbformat.v4.upgrade(result)  # cell ids need nbformat 4.5, as papermill does
    index = _insertion_index(result.cells)
    result.cells = [cell for cell in result.cells if not _tagged(cell, INJECTED_TAG)]
    if not parameters:
        return result
    source = _translate(parameters, kernel_name=kernel_name, language=language)
    cell = new_code_cell(source=source)
    cell.metadata["tags"] = [INJECTED_TAG]
    cell.id = _free_id(INJECTED_TAG, {c.get("id") for c in result.cells})
    result.cells.insert(index, cell)
    result.metadata.setdefault("papermill", {})["parameters"] = copy.deepcopy(parameters)
    nbformat.validate(result)
    return result


def infer_parameters(nb: NotebookNode) -> list[dict[str, Any]]:
    """The defaults of a Python notebook's `parameters` cell, for a run form.

    Each item is papermill's `Parameter` (`name`, `inferred_type_name`, `default` as source
    text, `help` from the line's comment); an unknown type is None rather than papermill's
    string "None". `literal` says whether the default is a literal JSON can hold, and `value`
    is then that value, so a form never has to parse Python. Other languages: [] (papermill
    can only inspect Python).
    """
    from papermill.translators import PythonTranslator

    if notebook_language(nb) != "python":
        return []
    cell = next((c for c in nb.cells if _tagged(c, PARAMETERS_TAG)), None)
    if cell is None:
        return []
    source = cell.get("source", "")
    inspectable = {"source": "".join(source) if isinstance(source, list) else source}
    items = []
    for parameter in PythonTranslator.inspect(inspectable):
        item = parameter._asdict()
        parsed, value = _python_literal(item["default"])
        if item["inferred_type_name"] in ("None", None):
            # papermill only types annotated names; a plain literal default tells the type too
            item["inferred_type_name"] = type(value).__name__ if parsed and value is not None else None
        item["literal"] = parsed and _fits_json(value)
        item["value"] = json.loads(json.dumps(value)) if item["literal"] else None  # tuples as lists
        items.append(item)
    return items


def _python_literal(source: str) -> tuple[bool, Any]:
    """`(True, value)` when the source is a Python literal, else `(False, None)`."""
    try:
        return True, ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _fits_json(value: Any) -> bool:
    """Sets, bytes, complex numbers, non-string keys, inf and nan have no JSON form."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def notebook_language(nb: NotebookNode) -> str | None:
    """The kernel language a notebook declares, where papermill looks for it."""
    metadata = nb.get("metadata", {})
    language = metadata.get("language_info", {}).get("name") or metadata.get("kernelspec", {}).get("language")
    return str(language) if language else None


def _translate(parameters: dict[str, Any], *, kernel_name: str, language: str) -> str:
    from papermill.exceptions import PapermillException
    from papermill.translators import papermill_translators

    try:
        translator = papermill_translators.find_translator(kernel_name, language)
    except PapermillException:
        raise InvalidRequest.for_field(
            "parameters",
            Message(
                "cannot be passed to a {language} kernel ({kernel_name}): papermill has no parameter "
                "translator for it; run without parameters",
                language=language,
                kernel_name=kernel_name,
            ),
        ) from None
    for name, value in parameters.items():
        _check_name(name, language)
        try:
            translator.translate(value)
        except NotImplementedError:
            raise InvalidRequest.for_field(
                "parameters",
                Message(
                    "{name}: a {kind} value cannot be passed to a {language} kernel",
                    name=name,
                    kind=type(value).__name__,
                    language=language,
                ),
            ) from None
    return str(translator.codify(parameters, COMMENT))


def _check_name(name: str, language: str) -> None:
    """Names become assignments in kernel code: only identifiers, so a name cannot inject code."""
    if not name.isidentifier() or (language == "python" and keyword.iskeyword(name)):
        raise InvalidRequest.for_field(
            "parameters",
            Message(
                "{name!r} is not a valid variable name for a {language} kernel", name=name, language=language
            ),
        )


def _insertion_index(cells: list[NotebookNode]) -> int:
    """Where the injected cell goes, counted in the cells that remain once old ones are dropped."""
    injected = [i for i, cell in enumerate(cells) if _tagged(cell, INJECTED_TAG)]
    if injected:
        return injected[0]
    tagged = next((i for i, cell in enumerate(cells) if _tagged(cell, PARAMETERS_TAG)), None)
    return 0 if tagged is None else tagged + 1


def _tagged(cell: NotebookNode, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def _free_id(base: str, taken: set[str | None]) -> str:
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"
