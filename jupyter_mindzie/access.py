"""Which users reach which tenants: one swappable, configurable class."""

from __future__ import annotations

from typing import Literal, NamedTuple

from traitlets import Dict, List, Unicode
from traitlets.config import LoggingConfigurable

EVERY_TENANT = "*"


class TenantAccess(LoggingConfigurable):
    """Grants tenants to users by name; with no grants configured every user reaches every tenant.

    Example (`jupyter_server_config.py`)::

        c.TenantAccess.grants = {
            "alice": ["5a4d1e2f-0000-4000-8000-00000000de40"],
            "ops": ["*"],
            "*": [],          # anyone not listed: no tenant
        }
    """

    grants = Dict(
        key_trait=Unicode(),
        value_trait=List(Unicode()),
        config=True,
        help="Map of user name (or '*' for anyone not listed) to the tenant GUIDs that user may "
        "reach ('*' for all). Empty (the default, right for a single-user server): everyone "
        "reaches every tenant.",
    )

    def tenants_of(self, username: str) -> list[str] | Literal["*"]:
        """The tenant GUIDs `username` may reach, or '*' for all of them."""
        if not self.grants:
            return EVERY_TENANT
        granted = self.grants.get(username, self.grants.get(EVERY_TENANT, []))
        if EVERY_TENANT in granted:
            return EVERY_TENANT
        return sorted({tenant.lower() for tenant in granted})

    def allows(self, username: str, tenant_id: str) -> bool:
        tenants = self.tenants_of(username)
        return tenants == EVERY_TENANT or tenant_id.lower() in tenants


class Scope(NamedTuple):
    """Whose request, in which tenant and project: every lookup is filtered by it."""

    tenant_id: str
    project_id: str
    username: str
