"""The Python side's enumerations are the ones schema/api documents: one source, checked."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest

from jupyter_mindzie.contract import enums
from jupyter_mindzie.contract.schemas import schema_dir


def schema(name: str) -> dict[str, Any]:
    return json.loads((schema_dir() / f"{name}.json").read_text("utf-8"))


def enum_at(document: dict[str, Any], *path: str) -> list[Any]:
    node: Any = document
    for key in path:
        node = node[key]
    return [value for value in node["enum"] if value is not None]


RESPONSES = schema("response-definitions")


@pytest.mark.parametrize(
    ("values", "literal", "documented"),
    [
        (enums.NOTEBOOK_STATUSES, enums.NotebookStatus, enum_at(RESPONSES, "$defs", "notebookStatus")),
        (enums.EXECUTION_STATUSES, enums.ExecutionStatus, enum_at(RESPONSES, "$defs", "executionStatus")),
        (enums.PHASES, enums.Phase, enum_at(RESPONSES, "$defs", "executionPhase")),
        (enums.PRIORITIES, enums.Priority, enum_at(RESPONSES, "$defs", "priority")),
        (
            enums.CELL_STATUSES,
            enums.CellStatus,
            enum_at(schema("execution"), "$defs", "cellResult", "properties", "status"),
        ),
    ],
)
def test_each_enumeration_is_the_schemas(
    values: tuple[str, ...], literal: Any, documented: list[str]
) -> None:
    assert list(values) == documented
    assert get_args(literal) == values


def test_the_queries_and_requests_repeat_the_same_values() -> None:
    assert enum_at(schema("notebook-list-query"), "properties", "status") == list(enums.NOTEBOOK_STATUSES)
    assert enum_at(schema("execute-request"), "properties", "priority") == list(enums.PRIORITIES)


def test_terminal_statuses_are_the_statuses_after_running() -> None:
    assert tuple(s for s in enums.EXECUTION_STATUSES if s != "Running") == enums.TERMINAL_STATUSES
    assert set(enums.TERMINAL_STATUSES) <= set(enums.PHASES)
    assert sorted(enums.PRIORITY_RANK, key=enums.PRIORITY_RANK.__getitem__) == ["High", "Normal", "Low"]
    assert all(enums.is_terminal(s) for s in enums.TERMINAL_STATUSES) and not enums.is_terminal("Running")
