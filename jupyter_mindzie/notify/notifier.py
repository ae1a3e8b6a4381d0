"""MindzieNotifier: which hosts webhooks may reach, and the sender that empties the outbox.

The sender claims due deliveries from the store (one server per delivery, for `claim_seconds`),
POSTs each with tornado's `AsyncHTTPClient`, signed (notify/signing.py), and records the
outcome: a 2xx is delivered; anything else is tried again after an exponential backoff until
`max_attempts`. A restart, a peer's death or a receiver that is down loses nothing: the row
waits in the store for the next claim. Redirects are not followed, and a URL whose host is no
longer allowed when it is due is given up unsent, so webhooks never reach other hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from traitlets import Float, Instance, Int, List, Unicode
from traitlets.config import LoggingConfigurable

from jupyter_mindzie import __version__
from jupyter_mindzie.clock import from_stamp, stamp, utcnow
from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.execution.lifecycle import RunNews
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.notify import signing
from jupyter_mindzie.notify.outbox import RunWebhooks
from jupyter_mindzie.storage.interface import Row, Store
from jupyter_mindzie.storage.sql import SqlStore

LISTS = ("onStart", "onSuccess", "onFailure")


class MindzieNotifier(LoggingConfigurable):
    """Webhooks of runs: allowed destinations, retries and the sender's pace."""

    allowed_hosts = List(
        Unicode(),
        config=True,
        help="Hosts webhook URLs may name: `hooks.example.com`, `hooks.example.com:8443` (that "
        "port only) or `*.example.com` (its subdomains). Empty (the default): no webhooks, so "
        "notebooks cannot make the server probe its network. Other URLs are a 400.",
    )
    max_attempts = Int(12, config=True, help="Attempts of one delivery before it is given up.")
    backoff_seconds = Float(
        10.0, config=True, help="Wait before the first retry; each further retry waits twice as long."
    )
    max_backoff_seconds = Float(3600.0, config=True, help="The longest wait between two attempts.")
    timeout_seconds = Float(10.0, config=True, help="How long one attempt may take.")
    claim_seconds = Float(
        60.0,
        config=True,
        help="How long a server holds the deliveries it claimed; a server that dies while "
        "sending frees them after this.",
    )
    poll_seconds = Float(
        5.0,
        config=True,
        help="How often to look for deliveries that fell due (retries, and those of other servers).",
    )
    batch = Int(20, config=True, help="Deliveries claimed and sent at once.")

    store: Instance[Store] = Instance(SqlStore)
    server_id = Unicode("", help="This server's id (its lease): whose the claims are.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.webhooks = RunWebhooks(self.store, self.wake)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # -- destinations ---------------------------------------------------------------------------

    def allows(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
        except ValueError:  # "http://a]b": urlsplit reads it as a broken IPv6 literal
            return False
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            return False
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        for entry in (e.strip().lower() for e in self.allowed_hosts):
            if entry in (host, f"{host}:{port}"):
                return True
            if entry.startswith("*.") and host.endswith(entry[1:]):
                return True
        return False

    def check(self, integration: Any) -> None:
        """A 400 naming the first webhook URL outside `allowed_hosts` in a request's integration."""
        notifications = integration.get("notifications") if isinstance(integration, dict) else None
        if not isinstance(notifications, dict):
            return
        for key in LISTS:
            for index, url in enumerate(notifications.get(key) or []):
                if not self.allows(url):
                    raise InvalidRequest.for_field(
                        f"integration.notifications.{key}[{index}]",
                        Message(
                            "{host!r} is not a host this server sends webhooks to "
                            "(MindzieNotifier.allowed_hosts)",
                            host=hostname(url),
                        ),
                    )

    # -- the secret -----------------------------------------------------------------------------

    def secret(self, tenant_id: str, project_id: str) -> str:
        """The project's signing secret, made on first use."""
        return self.store.webhook_secret(tenant_id, project_id, signing.new_secret())

    # -- the sender -----------------------------------------------------------------------------

    def hear(self, news: RunNews) -> None:
        """A `RunLifecycle` listener: the run's news becomes deliveries in the outbox."""
        self.webhooks.hear(news)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        self._stopping = True
        self.webhooks.close()
        self.wake()
        if self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, self.timeout_seconds + 1)
            self._task = None
        with contextlib.suppress(Exception):
            self.store.release_deliveries(self.server_id)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wake.clear()
            try:
                now = utcnow()
                until = now + timedelta(seconds=self.claim_seconds)
                due = self.store.claim_deliveries(self.server_id, stamp(now), stamp(until), self.batch)
                if due:
                    for error in await asyncio.gather(*map(self._deliver, due), return_exceptions=True):
                        if isinstance(error, Exception):  # its claim runs out; it is tried again
                            self.log.error("mindzie: a webhook delivery failed", exc_info=error)
                    continue
                wait = self._until_next_due()
                failures = 0
            except Exception:
                failures += 1
                if failures == 1:
                    self.log.exception("mindzie: the webhook outbox cannot be read; trying again")
                wait = min(self.poll_seconds, 0.5 * 2**failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    def _until_next_due(self) -> float:
        due = from_stamp(self.store.next_delivery_due())
        if due is None:
            return self.poll_seconds
        return max(0.05, min(self.poll_seconds, (due - utcnow()).total_seconds()))

    async def _deliver(self, row: Row) -> None:
        attempts = int(row["attempts"] or 0) + 1
        outcome: Row = {"attempts": attempts}
        if not self.allows(row["url"]):
            outcome |= {
                "state": "refused",
                "last_error": "host not in allowed_hosts",
                "date_finished": stamp(),
            }
            self.store.finish_delivery(row["delivery_id"], self.server_id, outcome)
            self.log.warning("mindzie: webhook %s refused: its host is not allowed", row["delivery_id"])
            return
        body = row["body"].encode("utf-8")
        secret = self.secret(row["tenant_id"], row["project_id"])
        request = HTTPRequest(
            row["url"],
            method="POST",
            body=body,
            headers={
                **signing.headers(secret, row["delivery_id"], int(time.time()), body),
                "User-Agent": f"jupyter-mindzie/{__version__}",
            },
            request_timeout=self.timeout_seconds,
            follow_redirects=False,
        )
        response = await AsyncHTTPClient().fetch(request, raise_error=False)
        outcome["last_status"] = response.code
        if 200 <= response.code < 300:
            outcome |= {"state": "delivered", "last_error": None, "date_finished": stamp()}
        elif attempts >= self.max_attempts:
            outcome |= {"state": "failed", "last_error": _reason(response), "date_finished": stamp()}
            self.log.warning(
                "mindzie: webhook %s to %s given up after %d attempts: %s",
                row["delivery_id"],
                row["url"],
                attempts,
                _reason(response),
            )
        else:
            delay = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempts - 1))
            delay *= 1 + random.random() / 10  # receivers coming back are not hit all at once
            outcome |= {
                "last_error": _reason(response),
                "next_attempt": stamp(utcnow() + timedelta(seconds=delay)),
            }
        self.store.finish_delivery(row["delivery_id"], self.server_id, outcome)


def _reason(response: Any) -> str:
    if response.error is not None and response.code == 599:
        return str(response.error)[:500]
    return f"HTTP {response.code}"


def hostname(url: str) -> str:
    """The URL's host for a message, or the URL itself when it has none that can be read."""
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url
