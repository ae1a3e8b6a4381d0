"""Webhooks: a run's news written to the store's outbox, then signed and sent by one server."""
