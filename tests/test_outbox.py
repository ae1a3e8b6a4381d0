"""The webhook outbox in the store, on SQLite and a real PostgreSQL: each delivery claimed by one
server at a time, a dead server's claims free again after their lease, news heard twice sent once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from jupyter_mindzie.clock import stamp, utcnow
from jupyter_mindzie.guids import new_guid
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.urls import open_store

from .support import PROJECT, TENANT


@pytest.fixture(params=["sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens another store on one database, as each server of several does."""
    if request.param == "sqlite":
        (tmp_path / "store").mkdir()
        url = f"sqlite:///{tmp_path / 'store' / 'mindzie.db'}"
        kwargs: dict[str, Any] = {}
    else:
        url = request.getfixturevalue("pg_url")
        kwargs = {"data_path": str(tmp_path / "data")}
    opened: list[Store] = []

    def another() -> Store:
        store = open_store(url, **kwargs)
        opened.append(store)
        return store

    yield another
    for store in opened:
        store.close()


def delivery(
    execution_id: str, url: str, event: str = "execution.succeeded", due: str | None = None
) -> dict[str, Any]:
    return {
        "delivery_id": new_guid(),
        "tenant_id": TENANT,
        "project_id": PROJECT,
        "notebook_id": new_guid(),
        "execution_id": execution_id,
        "event": event,
        "url": url,
        "body": '{"type": "execution.succeeded"}',
        "next_attempt": due or stamp(),
    }


def later(seconds: float) -> str:
    return stamp(utcnow() + timedelta(seconds=seconds))


def test_servers_claiming_at_once_get_each_delivery_exactly_once(opener: Callable[[], Store]) -> None:
    first = opener()
    execution = new_guid()
    rows = [delivery(execution, f"http://127.0.0.1/hook/{n}") for n in range(40)]
    assert first.enqueue_deliveries(rows) == 40
    assert first.enqueue_deliveries([{**rows[0], "delivery_id": new_guid()}]) == 0, "news heard twice"
    claims: dict[str, list[str]] = {}
    start = threading.Barrier(3)  # the three servers claim together

    def claim(server: str) -> None:
        store = opener()  # each server its own store (SQLite connections stay in their thread)
        start.wait()
        mine = claims.setdefault(server, [])
        while batch := store.claim_deliveries(server, stamp(), later(60), 3):
            mine.extend(row["delivery_id"] for row in batch)

    threads = [threading.Thread(target=claim, args=(f"server-{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    claimed = [delivery_id for ids in claims.values() for delivery_id in ids]
    assert sorted(claimed) == sorted(row["delivery_id"] for row in rows), "each once, none lost"


def test_a_claim_holds_until_its_lease_ends_and_only_its_holder_records_the_outcome(
    opener: Callable[[], Store],
) -> None:
    store, peer = opener(), opener()
    execution = new_guid()
    now_row, later_row = delivery(execution, "http://a/"), delivery(execution, "http://b/", due=later(3600))
    store.enqueue_deliveries([now_row, later_row])
    assert store.next_delivery_due() == now_row["next_attempt"]
    (claimed,) = store.claim_deliveries("dead", stamp(), later(30), 10)
    assert claimed["delivery_id"] == now_row["delivery_id"] and claimed["attempts"] == 0
    assert peer.claim_deliveries("peer", stamp(), later(30), 10) == [], "held, and the other is not due"
    assert not peer.finish_delivery(now_row["delivery_id"], "peer", {"state": "delivered"})

    # the holder died: once its lease has passed, the peer claims and retries it
    (taken,) = peer.claim_deliveries("peer", later(31), later(90), 10)
    assert taken["delivery_id"] == now_row["delivery_id"]
    retry = {"attempts": 1, "last_status": 503, "next_attempt": later(5)}
    assert peer.finish_delivery(now_row["delivery_id"], "peer", retry)
    assert store.claim_deliveries("dead", stamp(), later(30), 10) == [], "not due before its backoff"
    (again,) = store.claim_deliveries("dead", later(6), later(60), 10)
    assert again["attempts"] == 1 and again["claimed_by"] == "dead"
    store.release_deliveries("dead")
    (back,) = peer.claim_deliveries("peer", later(6), later(60), 10)
    assert peer.finish_delivery(back["delivery_id"], "peer", {"state": "delivered", "attempts": 2})
    states = {row["url"]: row["state"] for row in store.deliveries(execution)}
    assert states == {"http://a/": "delivered", "http://b/": "pending"}


def test_a_projects_secret_is_made_once_and_rotated(opener: Callable[[], Store]) -> None:
    store, peer = opener(), opener()
    first = store.webhook_secret(TENANT, PROJECT, "whsec_first")
    assert first == "whsec_first" and peer.webhook_secret(TENANT, PROJECT, "whsec_other") == first
    peer.rotate_webhook_secret(TENANT, PROJECT, "whsec_second")
    assert store.webhook_secret(TENANT, PROJECT, "whsec_third") == "whsec_second"
    assert store.webhook_secret(TENANT, new_guid(), "whsec_own") == "whsec_own", "per project"
