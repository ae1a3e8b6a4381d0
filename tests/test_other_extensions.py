"""Our routes beside another extension's: only GUID-shaped `/api/{tenantId}/{projectId}/…` is ours."""

from __future__ import annotations

from typing import Any

import pytest

from .support import PROJECT, TENANT, assert_problem, project_path


@pytest.fixture
def mindzie_config() -> dict[str, Any]:
    # jupyter-resource-usage sorts before jupyter_mindzie, so our handlers are tried first.
    # Its Prometheus collectors register once per process: off, so each test may start a server.
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_mindzie": True, "jupyter_resource_usage": True}},
        "ResourceUseDisplay": {"enable_prometheus_metrics": False},
    }


async def test_jupyter_resource_usage_answers_its_own_routes(api):
    kernel = await api("POST", "api/kernels", {"name": "python3"})
    assert kernel.status == 201, kernel.body
    try:
        usage = await api("GET", f"api/metrics/v1/kernel_usage/get_usage/{kernel.json['id']}")
        assert usage.status == 200, usage.body
        assert not usage.content_type.startswith("application/problem+json")
        assert usage.json["kernel_id"] == kernel.json["id"]
        metrics = await api("GET", "api/metrics/v1")
        assert metrics.status == 200 and "rss" in metrics.json
    finally:
        await api("DELETE", f"api/kernels/{kernel.json['id']}")


@pytest.mark.parametrize(
    "path",
    ["api/tenant-guid/project-guid/notebooks", f"api/{TENANT}/project-guid/notebooks", "api/a/b/c/d"],
)
async def test_paths_without_guid_tenant_and_project_are_not_ours(api, path):
    reply = await api("GET", path)
    assert reply.status == 404 and not reply.content_type.startswith("application/problem+json")


async def test_ids_inside_a_guid_project_are_still_checked(api):
    assert_problem(await api("GET", project_path("notebook", "not-a-guid")), 400, field="notebookId")
    assert_problem(await api("GET", project_path("nonsense", "deeper")), 404)
    assert PROJECT in project_path()
