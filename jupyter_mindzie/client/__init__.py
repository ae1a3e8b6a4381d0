"""The Python client of the notebook API: `from jupyter_mindzie.client import MindzieClient`."""

from jupyter_mindzie.client.rest import (
    AuthenticationError,
    BadRequest,
    Conflict,
    ExecutionTimeout,
    MindzieClient,
    MindzieError,
    NotebookManager,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
)

__all__ = [
    "AuthenticationError",
    "BadRequest",
    "Conflict",
    "ExecutionTimeout",
    "MindzieClient",
    "MindzieError",
    "NotFound",
    "NotebookManager",
    "PayloadTooLarge",
    "PreconditionFailed",
]
