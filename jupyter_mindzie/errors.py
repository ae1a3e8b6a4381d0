"""Domain errors: each knows its HTTP status and RFC 9457 problem type.

Handlers raise these and `MindzieHandler.write_error` renders them, so no handler needs a
try/except and every failure reaches the client as `application/problem+json`.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class MindzieError(Exception):
    """Base of every error the API answers with a 4xx problem."""

    status: HTTPStatus = HTTPStatus.BAD_REQUEST
    problem_type: str = "bad-request"

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    @property
    def title(self) -> str:
        return self.status.phrase

    def to_problem(self) -> dict[str, Any]:
        """The problem document; `message` repeats `detail` for JupyterLab's ResponseError."""
        problem: dict[str, Any] = {
            "type": self.problem_type,
            "title": self.title,
            "status": int(self.status),
            "detail": self.detail,
            "message": self.detail,
        }
        if self.errors:
            problem["errors"] = self.errors
        return problem


class InvalidRequest(MindzieError):
    """The request's body, query or path breaks the API's rules."""

    status = HTTPStatus.BAD_REQUEST
    problem_type = "invalid-request"

    @classmethod
    def for_field(cls, field: str, message: str) -> InvalidRequest:
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


class NotFound(MindzieError):
    """Missing, or not visible to this user: both answer the same."""

    status = HTTPStatus.NOT_FOUND
    problem_type = "not-found"


class NotebookNotFound(NotFound):
    problem_type = "notebook-not-found"


class VersionNotFound(NotFound):
    problem_type = "version-not-found"


class ProjectNotFound(NotFound):
    problem_type = "project-not-found"


class DatasetNotFound(NotFound):
    problem_type = "dataset-not-found"


class ExecutionNotFound(NotFound):
    problem_type = "execution-not-found"


class ArtifactNotFound(NotFound):
    problem_type = "artifact-not-found"


class Conflict(MindzieError):
    """The resource's state forbids the request (e.g. delete while running)."""

    status = HTTPStatus.CONFLICT
    problem_type = "conflict"


class NotebookRunning(Conflict):
    problem_type = "notebook-running"


class ExecutionFinished(Conflict):
    """A cancel of an execution that has already ended."""

    problem_type = "execution-finished"


class KernelUnavailable(Conflict):
    """The notebook's kernelspec is not (or no longer) on this server."""

    problem_type = "kernel-unavailable"


class PreconditionFailed(MindzieError):
    """`If-Match` names a version that is no longer current."""

    status = HTTPStatus.PRECONDITION_FAILED
    problem_type = "version-mismatch"


class TooLarge(MindzieError):
    """An upload over the configured size limit."""

    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    problem_type = "payload-too-large"


class Forbidden(MindzieError):
    """The user may see this project but not do this in it (e.g. read but not execute)."""

    status = HTTPStatus.FORBIDDEN
    problem_type = "forbidden"


class TooManyRequests(MindzieError):
    """A limit on queued work; `retry_after` says when to try again (seconds)."""

    status = HTTPStatus.TOO_MANY_REQUESTS
    problem_type = "too-many-queued"

    def __init__(self, detail: str, *, retry_after: int, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, errors=errors)
        self.retry_after = retry_after
