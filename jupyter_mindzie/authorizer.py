"""MindzieAuthorizer: tenancy for Jupyter's own APIs on a server shared by several tenants.

The mindzie endpoints keep their own tenancy (a 404 for another tenant). Jupyter's do not: with
the default Authorizer any user reads every tenant's notebook files through `/api/contents`,
and a user who may only read starts kernels through `/api/kernels`. Set it with::

    c.ServerApp.authorizer_class = "jupyter_mindzie.MindzieAuthorizer"

Files (contents, downloads, views, nbconvert) are limited to the project folders of the tenants
the user reaches (`MindzieNotebookLibrary.notebooks_dir`); writing them needs the execute grant,
since a schedule runs the cells saved there. Kernels, sessions and terminals need an execute grant.
Users granted every tenant (`"*"`) reach every file. See docs/deploy.md for what else a shared
server needs: code in a kernel runs as the server's OS user.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import User
from traitlets import Instance, default

from jupyter_mindzie.access import EVERY_TENANT, MindzieAccess
from jupyter_mindzie.api.base import MindzieHandler
from jupyter_mindzie.services import SETTINGS_KEY

FILE_RESOURCES = ("contents", "nbconvert")
RUNNING_CODE = ("kernels", "sessions", "terminals")
OPERATORS_ONLY = ("server",)  # shutting the server down stops every tenant's work


class MindzieAuthorizer(Authorizer):
    """Jupyter's contents, kernels, sessions and terminals, by the tenants of `MindzieAccess`."""

    access = Instance(MindzieAccess, help="The grants, when the extension has not started (yet).")

    @default("access")
    def _default_access(self) -> MindzieAccess:
        return MindzieAccess(parent=self)

    def is_authorized(self, handler: Any, user: User, action: str, resource: str) -> bool:
        if isinstance(handler, MindzieHandler):
            return True  # every mindzie endpoint checks tenancy itself, answering 404 or 403
        access, pattern = self._rules(handler)
        username = user.username
        if resource in RUNNING_CODE:
            return access.tenants_of(username, execute=True) != []
        if resource in OPERATORS_ONLY or (resource == "config" and action == "write"):
            return access.tenants_of(username, execute=True) == EVERY_TENANT
        if resource in FILE_RESOURCES:
            path = _request_path(handler)
            if path is None:
                return True  # no file is named: lists of formats, conversions of posted content
            return _may_reach(access, username, path, pattern, write=action == "write")
        return True

    def _rules(self, handler: Any) -> tuple[MindzieAccess, str]:
        """The running extension's grants and folder pattern, else the configured ones."""
        services = handler.settings.get(SETTINGS_KEY)
        if services is not None:
            return services.access, services.library.notebooks_dir
        pattern = self.config.get("MindzieNotebookLibrary", {}).get("notebooks_dir")
        return self.access, str(pattern or "mindzie/{tenant_id}/{project_id}")


def _request_path(handler: Any) -> str | None:
    """The file or folder a Jupyter handler is about (`/api/contents/<path>`, `/files/<path>`, …)."""
    kwargs = getattr(handler, "path_kwargs", None) or {}
    if "path" in kwargs:
        return str(kwargs["path"] or "")
    args = getattr(handler, "path_args", None) or []
    return str(args[-1] or "") if args else None


def _may_reach(access: MindzieAccess, username: str, path: str, pattern: str, *, write: bool) -> bool:
    """Inside a project folder of a tenant the user reaches (and may run, to write)."""
    if access.tenants_of(username, execute=write) == EVERY_TENANT:
        return True
    parts = PurePosixPath(path.strip("/")).parts
    layout = PurePosixPath(pattern.strip("/")).parts
    if ".." in parts or "{tenant_id}" not in layout:
        return False
    at = layout.index("{tenant_id}")
    # Folders above a tenant's are refused too: listing them would show which tenants exist.
    if len(parts) <= at or list(parts[:at]) != list(layout[:at]):
        return False
    return access.allows(username, parts[at], execute=write)
