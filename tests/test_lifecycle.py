"""Run news: every listener hears a run's writes in order, once they are in the store."""

from __future__ import annotations

from typing import Any

from jupyter_mindzie.contract.enums import is_terminal
from jupyter_mindzie.execution.lifecycle import RunNews

from .support import TENANT, execute, notebook_with, status, wait_for


async def test_listeners_hear_a_run_from_queued_to_its_one_end(api: Any, mindzie_app: Any) -> None:
    heard: list[RunNews] = []
    stored: list[str] = []

    def listener(news: RunNews) -> None:
        heard.append(news)
        row = mindzie_app.engine.store.get_execution(news.execution_id)
        stored.append(row["status"])  # told after the write: the store already says it

    def broken(news: RunNews) -> None:
        raise RuntimeError("a listener's bug")

    unsubscribe = mindzie_app.engine.lifecycle.subscribe(listener)
    mindzie_app.engine.lifecycle.subscribe(broken)
    notebook = await notebook_with(api, "print('one')", "print('two')")
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    unsubscribe()

    assert final["status"] == "Completed", final  # the broken listener failed nothing
    mine = [n for n in heard if n.execution_id == accepted["executionId"]]
    phases = [n.phase for n in mine if n.phase is not None]
    assert phases == ["Queued", "Starting", "Executing", "Finishing", "Completed"], phases
    statuses = [n.status for n in mine if n.status is not None]
    assert statuses[0] == "Running" and [s for s in statuses if is_terminal(s)] == ["Completed"], statuses
    for news, seen in zip(mine, stored, strict=True):
        assert news.status is None or news.status == seen
    assert all(n.local and n.notebook_id == notebook["notebookId"] for n in mine)
    assert all(n.scope is not None and n.scope.tenant_id == TENANT for n in mine)
    cells = {cell for n in mine for cell in n.cells}
    done = await status(api, notebook["notebookId"], accepted["executionId"])
    assert {c["cellId"] for c in done["cellResults"]} <= cells | {"cell-001"}
    assert len(cells) >= 2, "the cells' results were told as they were written"
