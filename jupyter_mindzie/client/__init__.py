"""The Python client of the notebook API: `from jupyter_mindzie.client import MindzieClient`.

Its errors are the classes of `jupyter_mindzie.errors`; `BadRequest` and `PayloadTooLarge`
are the client's older names of `InvalidRequest` and `TooLarge`.
"""

from jupyter_mindzie.client.rest import (
    AuthenticationError,
    BadRequest,
    Conflict,
    ExecutionTimeout,
    Forbidden,
    MindzieClient,
    MindzieError,
    NotebookManager,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    TooManyRequests,
)

__all__ = [
    "AuthenticationError",
    "BadRequest",
    "Conflict",
    "ExecutionTimeout",
    "Forbidden",
    "MindzieClient",
    "MindzieError",
    "NotFound",
    "NotebookManager",
    "PayloadTooLarge",
    "PreconditionFailed",
    "TooManyRequests",
]
