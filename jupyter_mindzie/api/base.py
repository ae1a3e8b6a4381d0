"""MindzieHandler: tenancy, JSON in and out, and every failure as `application/problem+json`."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar, cast

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.web import HTTPError

from jupyter_mindzie.access import Scope
from jupyter_mindzie.api.wire import BOOLEANS, query_flag, query_value
from jupyter_mindzie.bodies import parse_json_body, parse_json_body_outcome, raise_outcome
from jupyter_mindzie.contract import schemas
from jupyter_mindzie.errors import (
    Forbidden,
    InvalidRequest,
    MindzieError,
    ProjectNotFound,
    RetryLater,
    StoreUnavailable,
    TooLarge,
)
from jupyter_mindzie.guids import GUID_PATTERN, parse_guid
from jupyter_mindzie.i18n import (
    Message,
    joined,
    negotiate,
    status_title,
    translate_problem,
    translate_warnings,
)
from jupyter_mindzie.services import SETTINGS_KEY, UNAVAILABLE_KEY, Services
from jupyter_mindzie.storage.retry import RETRY_AFTER_SECONDS, is_transient

if TYPE_CHECKING:
    from jupyter_mindzie.notebooks.library import MindzieNotebookLibrary

PROBLEM_JSON = "application/problem+json"
HandlerMethod = TypeVar("HandlerMethod", bound=Callable[..., Awaitable[None]])


def authorized_to_execute(method: HandlerMethod) -> HandlerMethod:
    """jupyter_server's `@authorized` for what runs code: the `execute` action on `kernels`."""
    return cast(HandlerMethod, authorized(action="execute", resource="kernels")(method))


# Only GUID-shaped tenant and project segments are ours: extensions' handlers are tried in
# alphabetical order before the server's, so any looser pattern would take other extensions'
# /api/a/b/… routes (jupyter-resource-usage's /api/metrics/v1/…) and Jupyter's own.
TENANT = rf"(?P<tenant_id>{GUID_PATTERN})"
PROJECT = rf"(?P<project_id>{GUID_PATTERN})"
ANY_ID = r"[^/]+"


class MindzieHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every mindzie handler."""

    auth_resource = "contents"

    async def prepare(self) -> None:  # type: ignore[override]  # as APIHandler.prepare is
        await super().prepare()
        unavailable = self.settings.get(UNAVAILABLE_KEY)
        if unavailable and self.current_user:  # the unauthenticated still get their 403
            raise StoreUnavailable(unavailable, retry_after=None)

    @property
    def services(self) -> Services:
        services: Services = self.settings[SETTINGS_KEY]
        return services

    @property
    def library(self) -> MindzieNotebookLibrary:
        return self.services.library

    @property
    def username(self) -> str:
        user = self.current_user
        return getattr(user, "username", None) or str(user)

    @property
    def display_name(self) -> str:
        """The IdentityProvider's name for the user ("Anonymous Io" under a shared token)."""
        user = self.current_user
        return getattr(user, "display_name", None) or getattr(user, "name", None) or self.username

    def scope(self, tenant_id: str, project_id: str, *, execute: bool = False) -> Scope:
        """The caller's scope, or a 404 (not a 403) for a tenant the user may not reach; a
        user who may read but not run notebooks there gets 403 for `execute`."""
        tenant = parse_guid(tenant_id, "tenantId")
        project = parse_guid(project_id, "projectId")
        access = self.services.access
        if not access.allows(self.username, tenant):
            raise ProjectNotFound(Message("project not found, or you have no access to it"))
        if execute and not access.allows(self.username, tenant, execute=True):
            raise Forbidden(Message("you may read this project but not run its notebooks"))
        return Scope(tenant, project, self.username, self.display_name)

    def may_execute(self, scope: Scope) -> bool:
        """Whether the caller may run notebooks in the scope's tenant (its execute grant)."""
        return self.services.access.allows(self.username, scope.tenant_id, execute=True)

    # -- input --------------------------------------------------------------------------

    def read_json(self, schema_name: str) -> dict[str, Any]:
        """The body as a JSON object valid against `schema/api/<schema_name>.json`.

        The Content-Type is not enforced: `curl -d` sends JSON as a form, and Jupyter's own
        API reads such bodies too.
        """
        body = self.request.body
        limit = self.services.max_request_body
        if len(body) > limit:
            raise TooLarge(
                Message(
                    "the request body is {size} bytes; the limit is {limit}", size=len(body), limit=limit
                ),
                errors=[{"field": "body", "message": Message("must be at most {limit} bytes", limit=limit)}],
            )
        return parse_json_body(body, schema_name)

    async def read_large_json(self, schema_name: str) -> dict[str, Any]:
        """`read_json`, with a large body parsed and validated in the offload worker (`offload.py`):
        json.loads and the schema walk of a 15 MB body would hold the event loop for a second."""
        body = self.request.body
        offload = self.services.offload
        if not offload.large(len(body)) or len(body) > self.services.max_request_body:
            return self.read_json(schema_name)
        return raise_outcome(await offload.run(parse_json_body_outcome, body, schema_name))

    def flag(self, name: str, default: bool = False) -> bool:
        """A true/false query argument, as sent (api/wire.py); anything else is a 400 naming it."""
        return query_flag(self, name, default)

    def read_query(
        self, schema_name: str, *, integers: tuple[str, ...] = (), booleans: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Query arguments (last value wins) typed and checked against a schema; others ignored."""
        known = schemas.schema(schema_name).get("properties", {})
        query: dict[str, Any] = {}
        errors: list[dict[str, str]] = []
        for name in known:
            try:
                raw = query_value(self, name)  # as sent: tornado's own reader strips and cleans
            except InvalidRequest as repeated:
                errors += repeated.errors
                continue
            if raw is None:
                continue
            if name in integers:
                if not re.fullmatch(r"[+-]?\d{1,9}", raw):
                    errors.append(
                        {"field": name, "message": Message("must be an integer, got {raw!r}", raw=raw)}
                    )
                    continue
                query[name] = int(raw)
            elif name in booleans:
                if raw.lower() not in BOOLEANS:
                    errors.append(
                        {"field": name, "message": Message("must be true or false, got {raw!r}", raw=raw)}
                    )
                    continue
                query[name] = BOOLEANS[raw.lower()]
            else:
                query[name] = raw
        try:
            schemas.validate(schema_name, query)
        except InvalidRequest as invalid:
            errors += invalid.errors
        if errors:
            summary = joined(
                Message("{field}: {message}", field=e["field"], message=e["message"]) for e in errors
            )
            raise InvalidRequest(summary, errors=errors)
        return query

    def if_match(self) -> list[str] | None:
        """Versions named by If-Match (quotes and W/ removed), or None without the header."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return None
        tags = [tag.strip() for tag in header.split(",") if tag.strip()]
        if not tags:
            raise InvalidRequest.for_field(
                "If-Match", Message('must name a version ("1.4.0") or be *; it is empty')
            )
        return [re.sub(r'^(W/)?"?(.*?)"?$', r"\2", tag) for tag in tags]

    def preferred_wait(self) -> int:
        """Seconds the client is willing to wait for news (RFC 7240 `Prefer: wait=N`); 0 without it."""
        for header in self.request.headers.get_list("Prefer"):
            for preference in header.split(","):
                name, _, value = preference.split(";", 1)[0].partition("=")
                if name.strip().lower() != "wait":
                    continue
                value = value.strip().strip('"')
                if not value.isdigit():
                    raise InvalidRequest.for_field(
                        "Prefer",
                        Message("wait must be a whole number of seconds, got {value!r}", value=value),
                    )
                return int(value)
        return 0

    # -- output -------------------------------------------------------------------------

    @property
    def language(self) -> str:
        """The caller's language for problem texts (`Accept-Language`; English without it)."""
        return negotiate(self.request.headers.get("Accept-Language"))

    def warnings(self, warnings: list[dict[str, Any]]) -> dict[str, Any]:
        """A response's `validation` block, its warnings in the caller's language."""
        return {"warnings": translate_warnings(warnings, self.language)}

    def write_json(self, data: Any, status: int = HTTPStatus.OK) -> None:
        self.set_status(status)
        self.finish(json.dumps(data, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every failure, ours or tornado's, as an RFC 9457 problem."""
        error = kwargs.get("exc_info", (None, None, None))[1]
        if error is not None and is_transient(error):  # locked, or briefly unavailable
            error = StoreUnavailable(
                Message("the metadata store is busy or briefly unavailable; try again shortly"),
                retry_after=RETRY_AFTER_SECONDS,
            )
        if isinstance(error, MindzieError):
            problem = error.to_problem()
            if isinstance(error, RetryLater) and error.retry_after is not None:
                self.set_header("Retry-After", str(error.retry_after))
        elif isinstance(error, HTTPError):
            reason = error.reason or status_title(status_code)
            detail = error.log_message or reason
            if status_code == HTTPStatus.FORBIDDEN and not self.current_user:
                detail = Message("authentication required: send a token (Authorization: Bearer <token>)")
            problem = {
                "type": HTTPStatus(status_code).phrase.lower().replace(" ", "-"),
                "title": reason,
                "status": status_code,
                "detail": detail,
                "message": detail,
            }
        else:
            failed = Message("The server failed to handle this request; the error is in the server log.")
            problem = {
                "type": "internal-error",
                "title": status_title(500),
                "status": 500,
                "detail": failed,
                "message": failed,
            }
        self.set_status(problem["status"])
        if problem["status"] == HTTPStatus.METHOD_NOT_ALLOWED:
            self.set_header("Allow", ", ".join(self.allowed_methods()))  # RFC 9110: a 405 names them
        self.set_header("Content-Language", self.language)
        self.add_header("Vary", "Accept-Language")
        problem = translate_problem(problem, self.language)
        self.finish(json.dumps(problem, ensure_ascii=False), set_content_type=PROBLEM_JSON)

    def allowed_methods(self) -> list[str]:
        """The methods this handler answers: those it defines itself (and OPTIONS, for CORS)."""
        return [
            method
            for method in self.SUPPORTED_METHODS
            if getattr(type(self), method.lower(), None)
            is not getattr(web.RequestHandler, method.lower(), None)
        ]

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if is_transient(value):  # not a bug: the 503 tells the client to come back
            self.log.warning("503 %s: the store did not answer: %s", self._request_summary(), value)
            return
        if isinstance(value, MindzieError):
            # the server's request log already has the 4xx line; the reason is in the reply
            self.log.debug("%d %s: %s", value.status, self._request_summary(), value.detail)
            return
        super().log_exception(typ, value, tb)


class UnknownEndpointHandler(MindzieHandler):
    """Any other path under a project: a problem, not Jupyter's HTML 404 page."""

    async def prepare(self) -> None:  # type: ignore[override]  # as APIHandler.prepare is
        await super().prepare()
        if not self.current_user:
            raise web.HTTPError(403)
        raise web.HTTPError(
            404,
            Message("no such endpoint: {method} {path}", method=self.request.method, path=self.request.path),
        )
