"""FairQueue's order: tenants take turns; within a tenant, priority then first come first served."""

from __future__ import annotations

import asyncio

from jupyter_mindzie.execution.queue import FairQueue

HIGH, NORMAL, LOW = 0, 1, 2


def drain(queue: FairQueue) -> list[str]:
    order = []
    while (item := queue.pop()) is not None:
        order.append(item)
    return order


def test_tenants_take_turns_so_a_flood_delays_another_tenant_by_one_turn():
    queue = FairQueue()
    for n in range(50):
        queue.put(f"a{n}", "A", NORMAL, n)
    queue.put("b0", "B", NORMAL, 50)
    queue.put("c0", "C", LOW, 51)
    order = drain(queue)
    assert order[:4] == ["a0", "b0", "c0", "a1"]
    assert order.index("b0") <= 1 and [i for i in order if i.startswith("a")] == [f"a{n}" for n in range(50)]


def test_priority_orders_a_tenants_own_runs_and_cannot_jump_other_tenants():
    queue = FairQueue()
    queue.put("a-low", "A", LOW, 0)
    queue.put("a-normal", "A", NORMAL, 1)
    queue.put("a-high", "A", HIGH, 2)
    queue.put("a-normal-2", "A", NORMAL, 3)
    for n in range(5):
        queue.put(f"b-high-{n}", "B", HIGH, 10 + n)
    order = drain(queue)
    assert [i for i in order if i.startswith("a")] == ["a-high", "a-normal", "a-normal-2", "a-low"]
    assert order[:4] == ["a-high", "b-high-0", "a-normal", "b-high-1"]


def test_a_tenant_that_comes_back_waits_for_its_turn():
    queue = FairQueue()
    queue.put("a0", "A", NORMAL, 0)
    queue.put("b0", "B", NORMAL, 1)
    queue.put("b1", "B", NORMAL, 2)
    assert queue.pop() == "a0"  # A has nothing left and leaves the turns
    queue.put("a1", "A", NORMAL, 3)
    assert drain(queue) == ["b0", "a1", "b1"]


def test_positions_count_only_the_callers_tenant_and_removed_items_leave_no_trace():
    queue = FairQueue()
    for n in range(3):
        queue.put(f"a{n}", "A", NORMAL, n)
    queue.put("b0", "B", NORMAL, 3)
    queue.put("a-high", "A", HIGH, 4)
    assert queue.position("b0") == 1
    assert [queue.position(f"a{n}") for n in range(3)] == [2, 3, 4]
    assert queue.position("a-high") == 1
    queue.remove("a0")
    queue.remove("b0")
    queue.remove("unknown")
    assert queue.position("b0") is None and len(queue) == 3 and queue.tenant_count("B") == 0
    assert drain(queue) == ["a-high", "a1", "a2"]


async def test_get_waits_for_an_item():
    queue = FairQueue()
    waiter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not waiter.done()
    queue.put("x", "A", NORMAL, 0)
    assert await asyncio.wait_for(waiter, 5) == "x"
