"""The names the kernel-side helper and the server agree on: the context variable and the MIME types."""

from __future__ import annotations

CONTEXT_ENV = "MINDZIE_CONTEXT"
ENRICHED_MIME = "application/vnd.mindzie.enriched-dataset+json"
MODEL_MIME = "application/vnd.mindzie.model+json"
PROCESS_MAP_MIME = "application/vnd.mindzie.process-map+json"
