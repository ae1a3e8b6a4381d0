"""The queue in the store: tenants take turns; within a tenant, priority then first come first
served; of many claimers at once (threads with connections of their own, as servers would be),
each queued run goes to exactly one. Each test runs on a real SQLite file and a real PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from jupyter_mindzie.clock import stamp
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.interface_queue import QueueCounts, QueueFull
from jupyter_mindzie.storage.postgres import MindziePostgresStore
from jupyter_mindzie.storage.sqlite import MindzieStore

from .support import OTHER_PROJECT, PROJECT

HIGH, NORMAL, LOW = 0, 1, 2
PRIORITIES = {HIGH: "High", NORMAL: "Normal", LOW: "Low"}


@pytest.fixture(params=["sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Callable[[], Store]]:
    """Opens store instances on one database, each with its own connection."""
    opened: list[Store] = []
    if request.param == "sqlite":
        path = str(tmp_path / "mindzie.db")

        def make() -> Store:
            return MindzieStore(db_path=path)
    else:
        url = request.getfixturevalue("pg_url")

        def make() -> Store:
            return MindziePostgresStore(url=url, data_path=str(tmp_path / "data"))

    def open_store() -> Store:
        store = make()
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


class Queue:
    """Named runs queued in a store, so tests read like the order they expect."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.notebooks: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.names: dict[str, str] = {}

    def tenant(self, name: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, name))

    def put(
        self,
        name: str,
        tenant: str,
        rank: int = NORMAL,
        project: str = PROJECT,
        caps: QueueCounts | None = None,
        store: Store | None = None,
    ) -> str:
        tenant_id = self.tenant(tenant)
        if tenant_id not in self.notebooks:
            self.notebooks[tenant_id] = str(uuid.uuid4())
        execution_id = str(uuid.uuid4())
        (store or self.store).queue_execution(
            {
                "execution_id": execution_id,
                "notebook_id": self.notebooks[tenant_id],
                "tenant_id": tenant_id,
                "project_id": project,
                "status": "Running",
                "phase": "Queued",
                "priority": PRIORITIES[rank],
                "priority_rank": rank,
                "date_queued": stamp(),
            },
            [{"execution_id": execution_id, "cell_id": "cell-001", "position": 0, "status": "Pending"}],
            caps,
        )
        self.ids[name], self.names[execution_id] = execution_id, name
        return execution_id

    def pop(self, owner: str = "server-a", store: Store | None = None) -> str | None:
        row = (store or self.store).claim_next(owner)
        return None if row is None else self.names[row["execution_id"]]

    def drain(self) -> list[str]:
        order = []
        while (name := self.pop()) is not None:
            order.append(name)
        return order

    def position(self, name: str) -> int | None:
        return self.store.queue_position(self.ids[name])


def test_tenants_take_turns_so_a_flood_delays_another_tenant_by_one_turn(opener):
    queue = Queue(opener())
    for n in range(50):
        queue.put(f"a{n}", "A")
    queue.put("b0", "B")
    queue.put("c0", "C", LOW)
    order = queue.drain()
    assert order[:4] == ["a0", "b0", "c0", "a1"]
    assert [i for i in order if i.startswith("a")] == [f"a{n}" for n in range(50)]


def test_priority_orders_a_tenants_own_runs_and_cannot_jump_other_tenants(opener):
    queue = Queue(opener())
    queue.put("a-low", "A", LOW)
    queue.put("a-normal", "A", NORMAL)
    queue.put("a-high", "A", HIGH)
    queue.put("a-normal-2", "A", NORMAL)
    for n in range(5):
        queue.put(f"b-high-{n}", "B", HIGH)
    order = queue.drain()
    assert [i for i in order if i.startswith("a")] == ["a-high", "a-normal", "a-normal-2", "a-low"]
    assert order[:4] == ["a-high", "b-high-0", "a-normal", "b-high-1"]


def test_a_tenant_that_comes_back_waits_for_its_turn_whichever_server_claims(opener):
    first, second = opener(), opener()
    queue = Queue(first)
    queue.put("a0", "A")
    queue.put("b0", "B")
    queue.put("b1", "B")
    assert queue.pop("server-a", first) == "a0"  # A has nothing left waiting
    queue.put("a1", "A")
    # the turn is in the store: another server continues the round where the first left it
    assert [queue.pop("server-b", second) for _ in range(4)] == ["b0", "a1", "b1", None]


def test_positions_count_only_the_callers_tenant_and_hold_on_every_server(opener):
    queue = Queue(opener())
    peer = opener()
    for n in range(3):
        queue.put(f"a{n}", "A")
    queue.put("b0", "B")
    queue.put("a-high", "A", HIGH)
    assert queue.position("b0") == 1
    assert [queue.position(f"a{n}") for n in range(3)] == [2, 3, 4]
    assert queue.position("a-high") == 1
    assert [peer.queue_position(queue.ids[f"a{n}"]) for n in range(3)] == [2, 3, 4]
    assert queue.store.take_waiting(queue.ids["a0"], "server-a")  # cancelled before it started
    assert not peer.take_waiting(queue.ids["a0"], "server-b"), "taken once"
    assert queue.pop() == "a-high"
    assert queue.position("a-high") is None and queue.position("a0") is None
    assert queue.position("a1") == 1 and peer.queue_position(queue.ids["a2"]) == 2
    counts = peer.queue_counts(queue.tenant("A"), PROJECT)
    assert counts == {"project": 2, "tenant": 2, "server": 3}
    assert peer.queue_counts(queue.tenant("A"), OTHER_PROJECT)["project"] == 0
    assert queue.drain() == ["b0", "a1", "a2"]


def test_a_claim_not_started_goes_back_to_the_queue_in_its_place(opener):
    queue = Queue(opener())
    queue.put("a0", "A")
    queue.put("a1", "A")
    assert queue.pop("server-a") == "a0"
    assert not queue.store.release_claim(queue.ids["a0"], "server-b"), "only its claimer releases it"
    assert queue.store.release_claim(queue.ids["a0"], "server-a")
    assert queue.position("a0") == 1 and queue.drain() == ["a0", "a1"]


@pytest.mark.parametrize("claimers", [8])
def test_no_run_is_claimed_twice_by_concurrent_claimers(opener, claimers):
    queue = Queue(opener())
    names = [f"{tenant}{n}" for n in range(40) for tenant in "ABC"]
    for name in names:
        queue.put(name, name[0], rank=int(name[1:]) % 3)
    stores = [opener() for _ in range(claimers)]
    start = threading.Barrier(claimers)

    def claim_all(index: int) -> list[str]:
        start.wait(timeout=30)
        got = []
        while (row := stores[index].claim_next(f"server-{index}")) is not None:
            got.append(row["execution_id"])
            assert row["owner"] == f"server-{index}"
        return got

    with ThreadPoolExecutor(claimers) as pool:
        results = list(pool.map(claim_all, range(claimers)))
    claimed = [execution_id for got in results for execution_id in got]
    assert sorted(claimed) == sorted(queue.ids.values()), "every run claimed, none twice"
    for index, got in enumerate(results):
        for execution_id in got:
            row = queue.store.get_execution(execution_id)
            assert row is not None and row["owner"] == f"server-{index}"
    assert queue.store.queue_counts(queue.tenant("A"), PROJECT)["server"] == 0


@pytest.mark.parametrize("cap", ["project", "tenant", "server"])
def test_concurrent_submits_never_pass_a_queue_cap(opener, cap):
    """30 writers on connections of their own queue at once against a cap of 10: counting and
    inserting are one step, so exactly 10 get in (SQLite's BEGIN IMMEDIATE, PostgreSQL's
    admission lock), whichever cap it is."""
    queue = Queue(opener())
    caps: QueueCounts = {"project": 100, "tenant": 100, "server": 100}
    caps[cap] = 10  # type: ignore[literal-required]
    stores = [opener() for _ in range(30)]  # one connection per writer, as servers have
    start = threading.Barrier(30)

    def submit(n: int) -> str:
        tenant = "A" if cap != "server" else f"T{n}"
        project = PROJECT if cap == "project" else str(uuid.uuid5(uuid.NAMESPACE_URL, f"p{n}"))
        start.wait(timeout=30)
        try:
            queue.put(f"r{n}", tenant, project=project, caps=caps, store=stores[n])
        except QueueFull as full:
            assert full.cap == cap and full.count == 10, (full.cap, full.count)
            return "refused"
        return "queued"

    with ThreadPoolExecutor(30) as pool:
        outcomes = list(pool.map(submit, range(30)))
    assert outcomes.count("queued") == 10 and outcomes.count("refused") == 20
    assert queue.store.queue_counts(queue.tenant("A"), PROJECT)["server"] == 10
