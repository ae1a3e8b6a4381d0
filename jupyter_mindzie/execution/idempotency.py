"""`Idempotency-Key` on execute: the same key within 24 hours answers the first request's
execution and never queues a second run.

The key is a row whose primary key is the tenant, the notebook and the key
(storage/interface_attempts.py), so of two requests with one key, on one server or on several,
exactly one claims it and queues the run; the other waits for that answer and repeats it (the
same 202 body and Location). A different request with a key already used is a 422, as Stripe
and the IETF draft (draft-ietf-httpapi-idempotency-key-header) have it. A request that fails
before queueing anything gives its key back, so it can be sent again; a claim whose server died
before it answered is free again after `ABANDONED`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from jupyter_mindzie.access import Scope
from jupyter_mindzie.clock import stamp, utcnow
from jupyter_mindzie.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidRequest
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage.interface import Store

HEADER = "Idempotency-Key"
KEPT = timedelta(hours=24)
"""How long a key answers with its first request's execution (then `db prune` forgets it)."""
ABANDONED = timedelta(minutes=2)
"""A claim older than this that never answered belongs to a server that stopped meanwhile."""
LONGEST_KEY = 255


def parse_key(value: str | None) -> str | None:
    """The header's key (None without one); quotes of the draft's sf-string form are dropped."""
    if value is None:
        return None
    key = value.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > LONGEST_KEY or not all(" " < char < "\x7f" for char in key):
        raise InvalidRequest.for_field(
            HEADER,
            Message("must be 1 to {longest} visible ASCII characters", longest=LONGEST_KEY),
        )
    return key


def fingerprint(request: dict[str, Any]) -> str:
    """What makes two execute requests the same request: their validated bodies."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def submit_once(
    store: Store,
    scope: Scope,
    notebook_id: str,
    key: str,
    request: dict[str, Any],
    submit: Callable[[], Awaitable[dict[str, Any]]],
    *,
    wait_seconds: float = 30.0,
) -> dict[str, Any]:
    """The 202 body of the request that holds `key`: `submit()`'s, when this request claims it."""
    mark = fingerprint(request)
    deadline = time.monotonic() + wait_seconds
    while True:
        now = utcnow()
        claimed = store.claim_idempotency_key(
            scope.tenant_id,
            scope.project_id,
            notebook_id,
            key,
            mark,
            expired_before=stamp(now - KEPT),
            abandoned_before=stamp(now - ABANDONED),
        )
        if claimed:
            try:
                body = await submit()
            except BaseException:
                store.release_idempotency_key(scope.tenant_id, notebook_id, key, mark)
                raise
            store.complete_idempotency_key(
                scope.tenant_id, notebook_id, key, body["executionId"], json.dumps(body, ensure_ascii=False)
            )
            return body
        row = store.idempotency_key(scope.tenant_id, notebook_id, key)
        if row is not None and row["fingerprint"] != mark:
            raise IdempotencyKeyReused(
                Message("this {header} was used for another request", header=HEADER),
                errors=[{"field": HEADER, "message": Message("was used for another request")}],
            )
        if row is not None and row.get("response"):
            answer: dict[str, Any] = json.loads(row["response"])
            return answer
        if time.monotonic() > deadline:
            raise IdempotencyKeyInUse(
                Message("a request with this {header} is still being answered; try again", header=HEADER),
                errors=[{"field": HEADER, "message": Message("is still being answered")}],
            )
        await asyncio.sleep(0.05)  # the first request is queueing its run (or gave the key back)
