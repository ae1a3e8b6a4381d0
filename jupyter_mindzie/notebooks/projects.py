"""Projects as people know them: the tenant/project pairs with their display names and counts.

Names are labels only: folders, paths and every API route keep the GUIDs, so a rename never
moves a file or breaks a link.
"""

from __future__ import annotations

from typing import Any, TypedDict

from jupyter_mindzie.access import Scope
from jupyter_mindzie.storage.interface import Store


class ProjectListing(TypedDict):
    tenant_id: str
    project_id: str
    tenant_name: str | None
    project_name: str | None
    notebooks: int
    datasets: int


class ProjectDirectory:
    """The projects the store knows, by name: what the panel's project picker lists."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def list(self) -> list[ProjectListing]:
        """Every pair holding a notebook or a dataset, and every named one, sorted by ids."""
        return list_projects(self.store)

    def rename(self, scope: Scope, names: dict[str, Any]) -> ProjectListing:
        """Give the scope's tenant and project display names; their folders keep the GUIDs."""
        return rename_project(self.store, scope, names)


def list_projects(store: Store) -> list[ProjectListing]:
    """Every pair holding a notebook or a dataset, and every named one, sorted by ids."""
    tenant_names = store.tenant_names()
    project_names = {(row["tenant_id"], row["project_id"]): row["name"] for row in store.project_names()}
    counts = {(row["tenant_id"], row["project_id"]): row for row in store.projects()}
    listing: list[ProjectListing] = []
    for tenant_id, project_id in sorted(counts.keys() | project_names.keys()):
        held = counts.get((tenant_id, project_id))
        listing.append(
            {
                "tenant_id": tenant_id,
                "project_id": project_id,
                "tenant_name": tenant_names.get(tenant_id),
                "project_name": project_names.get((tenant_id, project_id)),
                "notebooks": held["notebooks"] if held else 0,
                "datasets": held["datasets"] if held else 0,
            }
        )
    return listing


def rename_project(store: Store, scope: Scope, names: dict[str, Any]) -> ProjectListing:
    """Apply `tenantName`/`projectName` (a name, or None to forget it; an absent key keeps it)."""
    with store.atomic():
        if "tenantName" in names:
            store.set_tenant_name(scope.tenant_id, _cleaned(names["tenantName"]))
        if "projectName" in names:
            store.set_project_name(scope.tenant_id, scope.project_id, _cleaned(names["projectName"]))
    pair = (scope.tenant_id, scope.project_id)
    listed = (row for row in list_projects(store) if (row["tenant_id"], row["project_id"]) == pair)
    empty: ProjectListing = {
        "tenant_id": scope.tenant_id,
        "project_id": scope.project_id,
        "tenant_name": store.tenant_names().get(scope.tenant_id),
        "project_name": None,
        "notebooks": 0,
        "datasets": 0,
    }
    return next(listed, empty)  # a pair with neither content nor a name is listed nowhere


def _cleaned(name: str | None) -> str | None:
    """Inner runs of whitespace become one space; the schema has refused blank names already."""
    return " ".join(name.split()) if name is not None else None
