"""Webhook signatures in the Standard Webhooks format (https://www.standardwebhooks.com/).

A receiver checks `webhook-signature` with any Standard Webhooks library, or by hand:
HMAC-SHA256, keyed with the base64-decoded part of the secret after `whsec_`, over
`{webhook-id}.{webhook-timestamp}.{body}`, base64-encoded and prefixed `v1,`. The timestamp
(Unix seconds) is signed too, so a receiver that refuses old ones refuses replays; the id is
the same on every attempt of one delivery, so a receiver that keeps ids sees each event once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A project's signing secret: 32 random bytes, as Standard Webhooks writes them."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signature(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header's value for one attempt."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """What each attempt of a delivery carries besides its JSON body."""
    return {
        "Content-Type": "application/json",
        "webhook-id": delivery_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, delivery_id, timestamp, body),
    }
