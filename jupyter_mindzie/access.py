"""Which users reach which tenants: one swappable, configurable class."""

from __future__ import annotations

from typing import Literal, NamedTuple

from traitlets import Dict, List, Unicode
from traitlets.config import LoggingConfigurable

EVERY_TENANT: Literal["*"] = "*"


class MindzieAccess(LoggingConfigurable):
    """Grants tenants to users by name; with no grants configured every user reaches every tenant.

    Example (`jupyter_server_config.py`)::

        c.MindzieAccess.grants = {
            "alice": ["5a4d1e2f-0000-4000-8000-00000000de40"],
            "ops": ["*"],
            "*": [],          # anyone not listed: no tenant
        }
        c.MindzieAccess.execute_grants = {"ops": ["*"]}   # only ops may run notebooks
    """

    grants = Dict(
        key_trait=Unicode(),
        value_trait=List(Unicode()),
        config=True,
        help="Map of user name (or '*' for anyone not listed) to the tenant GUIDs that user may "
        "reach ('*' for all). Empty (the default, right for a single-user server): everyone "
        "reaches every tenant.",
    )

    execute_grants = Dict(
        default_value=None,
        allow_none=True,
        key_trait=Unicode(),
        value_trait=List(Unicode()),
        config=True,
        help="Like `grants`, for running notebooks (execute, cancel). None (the default): whoever "
        "may read a tenant may also run its notebooks. A user who may read but not run gets 403 "
        "on execute and cancel.",
    )

    def tenants_of(self, username: str, *, execute: bool = False) -> list[str] | Literal["*"]:
        """The tenant GUIDs `username` may reach (or run notebooks in), or '*' for all of them."""
        readable = _granted(self.grants, username)
        if not execute or self.execute_grants is None:
            return readable
        runnable = _granted(self.execute_grants, username)
        if readable == EVERY_TENANT:
            return runnable
        if runnable == EVERY_TENANT:
            return readable
        return sorted(set(readable) & set(runnable))

    def allows(self, username: str, tenant_id: str, *, execute: bool = False) -> bool:
        tenants = self.tenants_of(username, execute=execute)
        return tenants == EVERY_TENANT or tenant_id.lower() in tenants


def _granted(grants: dict[str, list[str]], username: str) -> list[str] | Literal["*"]:
    if not grants:
        return EVERY_TENANT
    granted = grants.get(username, grants.get(EVERY_TENANT, []))
    if EVERY_TENANT in granted:
        return EVERY_TENANT
    return sorted({tenant.lower() for tenant in granted})


class Scope(NamedTuple):
    """Whose request, in which tenant and project: every lookup is filtered by it."""

    tenant_id: str
    project_id: str
    username: str
    display_name: str = ""
    """The name the IdentityProvider gives the user (`User.display_name`), for people to read."""

    @property
    def author(self) -> str:
        """Who to record as having made something: the readable name, else the user name."""
        return self.display_name or self.username
