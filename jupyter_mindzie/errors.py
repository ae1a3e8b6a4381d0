"""Domain errors: each knows its HTTP status and RFC 9457 problem type.

Handlers raise these and `MindzieHandler.write_error` renders them, so no handler needs a
try/except and every failure reaches the client as `application/problem+json`. The client
raises the same classes from the problems it receives (`MindzieError.from_problem`), so a
script catches `NotFound` whether it runs beside the server or talks to it. Only the standard
library is imported: the client and `jupyter mindzie` start fast.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from jupyter_mindzie.i18n import Message, status_title


class MindzieError(Exception):
    """Base of every error the API answers with a 4xx problem.

    Raised on the server, it renders as `to_problem()`; raised by the client, `status` and
    `problem` are what the server answered.
    """

    status: int = HTTPStatus.BAD_REQUEST
    problem_type: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        status: int | None = None,
        problem: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])
        if status is not None:
            self.status = status
        self._received = problem

    @classmethod
    def from_problem(
        cls, status: int, problem: dict[str, Any], *, retry_after: int | None = None
    ) -> MindzieError:
        """The error a server's problem document stands for: the class of its HTTP status,
        narrowed by its `type` to one of this module's subclasses (NotebookNotFound, …)."""
        error_class = _narrowed(_BY_STATUS.get(status, MindzieError), status, problem.get("type"))
        detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
        errors = list(problem.get("errors") or [])
        error: MindzieError
        if issubclass(error_class, RetryLater):
            error = error_class(
                detail, errors=errors, status=status, problem=problem, retry_after=retry_after
            )
        else:
            error = error_class(detail, errors=errors, status=status, problem=problem)
        problem_type = problem.get("type")
        # RFC 9457: a problem without a type is "about:blank", whatever class its status picks
        error.problem_type = problem_type if isinstance(problem_type, str) else "about:blank"
        return error

    @property
    def problem(self) -> dict[str, Any]:
        """The problem document: the one received, else the one this error renders as."""
        return self._received if self._received is not None else self.to_problem()

    @property
    def title(self) -> str:
        return status_title(self.status)

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
        """One field's problem; a `Message` stays translatable in `detail` and `errors`."""
        detail = Message("{field}: {message}", field=field, message=message)
        return cls(detail, errors=[{"field": field, "message": message}])


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


class NotebookInvalid(Conflict):
    """The notebook's file breaks nbformat's schema (an edit outside the API); the detail names the cell."""

    problem_type = "notebook-invalid"


class IdempotencyKeyInUse(Conflict):
    """Another request with this `Idempotency-Key` is still being answered: try again shortly."""

    problem_type = "idempotency-key-in-use"


class IdempotencyKeyReused(MindzieError):
    """The `Idempotency-Key` of an earlier request came with another request (as Stripe and the
    IETF draft answer it: 422)."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    problem_type = "idempotency-key-reused"


class PreconditionFailed(MindzieError):
    """`If-Match` names a version that is no longer current."""

    status = HTTPStatus.PRECONDITION_FAILED
    problem_type = "version-mismatch"


class TooLarge(MindzieError):
    """An upload over the configured size limit."""

    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    problem_type = "payload-too-large"


class AuthenticationError(MindzieError):
    """No token or a wrong one (401); the base of every refusal of access."""

    status = HTTPStatus.UNAUTHORIZED
    problem_type = "unauthorized"


class Forbidden(AuthenticationError):
    """The user may see this project but not do this in it (e.g. read but not execute).

    An AuthenticationError because Jupyter Server also answers a missing token with 403:
    a client cannot tell the two apart, and scripts catch both as one.
    """

    status = HTTPStatus.FORBIDDEN
    problem_type = "forbidden"


class RetryLater(MindzieError):
    """A refusal that passes: `retry_after` says when to try again (seconds; a `Retry-After`)."""

    def __init__(
        self,
        detail: str,
        *,
        retry_after: int | None,
        errors: list[dict[str, str]] | None = None,
        status: int | None = None,
        problem: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, errors=errors, status=status, problem=problem)
        self.retry_after = retry_after  # None when no Retry-After is known (or was sent)


class TooManyRequests(RetryLater):
    """A limit on queued work (429)."""

    status = HTTPStatus.TOO_MANY_REQUESTS
    problem_type = "too-many-queued"


class StoreUnavailable(RetryLater):
    """The metadata store cannot answer now (locked, or it could not be opened): 503."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    problem_type = "store-unavailable"


class ExecutionTimeout(TimeoutError):
    """The client's `wait_for_completion` gave up; the execution may still run (`last_status`).

    Not a MindzieError: no server said no, the caller's own deadline passed.
    """

    def __init__(self, execution_id: str, timeout: float, last_status: dict[str, Any]) -> None:
        super().__init__(
            f"execution {execution_id} did not finish within {timeout:g} seconds "
            f"(last status: {last_status.get('status')})"
        )
        self.execution_id = execution_id
        self.last_status = last_status


# -- problems received by the client ------------------------------------------------------

_BY_STATUS: dict[int, type[MindzieError]] = {
    HTTPStatus.BAD_REQUEST: InvalidRequest,
    HTTPStatus.UNAUTHORIZED: AuthenticationError,
    HTTPStatus.FORBIDDEN: Forbidden,
    HTTPStatus.NOT_FOUND: NotFound,
    HTTPStatus.CONFLICT: Conflict,
    HTTPStatus.PRECONDITION_FAILED: PreconditionFailed,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: TooLarge,
    HTTPStatus.TOO_MANY_REQUESTS: TooManyRequests,
    HTTPStatus.SERVICE_UNAVAILABLE: RetryLater,
}


def _narrowed(base: type[MindzieError], status: int, problem_type: object) -> type[MindzieError]:
    """The subclass of `base` in this module that has this status and problem type, else `base`."""
    found = [base]
    while found:
        candidate = found.pop()
        if (
            candidate.__module__ == __name__
            and candidate.status == status
            and candidate.problem_type == problem_type
        ):
            return candidate
        found.extend(candidate.__subclasses__())
    return base
