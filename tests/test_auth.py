"""Authentication, authorization and tenancy on every endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import User

from .support import OTHER_PROJECT, OTHER_TENANT, PROJECT, TENANT, TokenUsers, assert_problem, project_path

NOTEBOOK = "aa0e8400-e29b-41d4-a716-446655440000"
ENDPOINTS = [
    ("GET", project_path("notebooks")),
    ("POST", project_path("notebook")),
    ("POST", project_path("notebook", "upload")),
    ("GET", project_path("notebook", NOTEBOOK)),
    ("PUT", project_path("notebook", NOTEBOOK)),
    ("DELETE", project_path("notebook", NOTEBOOK)),
    ("GET", project_path("notebook", NOTEBOOK, "versions")),
    ("GET", "api/mindzie/info"),
    ("PUT", f"api/mindzie/projects/{TENANT}/{PROJECT}"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_every_endpoint_needs_authentication(api, method, path):
    body = {"notebookName": "x"} if method in ("POST", "PUT") else None
    reply = await api(method, path, body, headers={"Authorization": "token wrong"})
    problem = assert_problem(reply, 403)
    assert "token" in problem["detail"].lower()
    assert "Location" not in reply.headers


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "token", "Token"])
async def test_bearer_and_token_headers_both_work(api, jp_serverapp, scheme):
    token = jp_serverapp.identity_provider.token
    reply = await api(
        "POST",
        project_path("notebook"),
        {"notebookName": "x"},
        headers={"Authorization": f"{scheme} {token}"},
    )
    assert reply.status == 201
    listed = await api("GET", project_path("notebooks"), headers={"Authorization": f"{scheme} {token}"})
    assert listed.status == 200 and listed.json["totalCount"] == 1


async def test_info_reports_version_user_and_tenants(api):
    info = (await api("GET", "api/mindzie/info")).json
    from jupyter_mindzie import __version__

    assert info["version"] == __version__
    assert info["user"]["username"] and info["tenants"] == "*"


class ReadOnlyAuthorizer(Authorizer):
    """An authorizer that lets users read but not write, as a deployment might configure."""

    def is_authorized(self, handler: Any, user: User, action: str, resource: str) -> bool:
        return action == "read"


class TestAuthorizer:
    @pytest.fixture
    def mindzie_config(self):
        return {"ServerApp": {"authorizer_class": ReadOnlyAuthorizer}}

    async def test_writes_need_the_authorizer_s_consent(self, api):
        assert (await api("GET", project_path("notebooks"))).status == 200
        assert_problem(await api("POST", project_path("notebook"), {"notebookName": "x"}), 403)
        assert_problem(await api("PUT", project_path("notebook", NOTEBOOK), {"notebookName": "x"}), 403)
        assert_problem(await api("DELETE", project_path("notebook", NOTEBOOK)), 403)


class TestTenancy:
    @pytest.fixture
    def mindzie_config(self):
        return {
            "ServerApp": {"identity_provider_class": TokenUsers},
            "MindzieAccess": {
                "grants": {"alice": [TENANT.upper()], "bob": ["*"]},
                "execute_grants": {"bob": ["*"]},
            },
        }

    @staticmethod
    def as_user(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {name}-token"}

    async def test_users_reach_only_their_tenants(self, api):
        alice, bob, eve = self.as_user("alice"), self.as_user("bob"), self.as_user("eve")
        mine = await api("POST", project_path("notebook"), {"notebookName": "alice's"}, headers=alice)
        assert mine.status == 201 and mine.json["createdBy"] == "alice"
        theirs = await api(
            "POST", project_path("notebook", tenant=OTHER_TENANT), {"notebookName": "bob's"}, headers=bob
        )
        assert theirs.status == 201 and theirs.json["createdBy"] == "bob"

        # alice: her tenant only; the other tenant answers like a missing project
        assert (await api("GET", project_path("notebooks"), headers=alice)).json["totalCount"] == 1
        assert_problem(await api("GET", project_path("notebooks", tenant=OTHER_TENANT), headers=alice), 404)
        assert_problem(
            await api(
                "POST", project_path("notebook", tenant=OTHER_TENANT), {"notebookName": "x"}, headers=alice
            ),
            404,
        )
        hidden = await api(
            "GET", project_path("notebook", theirs.json["notebookId"], tenant=OTHER_TENANT), headers=alice
        )
        missing = await api("GET", project_path("notebook", NOTEBOOK, tenant=OTHER_TENANT), headers=alice)
        assert hidden.status == missing.status == 404 and hidden.json["type"] == missing.json["type"]
        # bob: every tenant
        assert (
            await api("GET", project_path("notebook", mine.json["notebookId"]), headers=bob)
        ).status == 200
        # eve: no grant, no tenant
        assert_problem(await api("GET", project_path("notebooks"), headers=eve), 404)
        assert_problem(await api("GET", project_path("notebook", mine.json["notebookId"]), headers=eve), 404)
        assert_problem(
            await api("DELETE", project_path("notebook", mine.json["notebookId"]), headers=eve), 404
        )
        assert (
            await api("GET", project_path("notebook", mine.json["notebookId"]), headers=alice)
        ).status == 200

    async def test_naming_a_project_needs_the_execute_grant_on_its_tenant(self, api):
        names = {"tenantName": "Acme", "projectName": "Loans"}
        url = f"api/mindzie/projects/{TENANT}/{PROJECT}"
        assert_problem(
            await api("PUT", url, names, headers=self.as_user("alice")), 403, problem_type="forbidden"
        )
        assert_problem(await api("PUT", url, names, headers=self.as_user("eve")), 404)
        reply = await api("PUT", url, names, headers=self.as_user("bob"))
        assert reply.status == 200 and reply.json["projectName"] == "Loans"
        # the reader sees the names; whoever reaches no tenant sees no project
        seen = (await api("GET", "api/mindzie/projects", headers=self.as_user("alice"))).json["projects"]
        assert [(p["tenantName"], p["projectName"]) for p in seen] == [("Acme", "Loans")]
        assert (await api("GET", "api/mindzie/projects", headers=self.as_user("eve"))).json["projects"] == []

    async def test_info_lists_the_tenants_a_user_reaches(self, api):
        assert (await api("GET", "api/mindzie/info", headers=self.as_user("alice"))).json["tenants"] == [
            TENANT
        ]
        assert (await api("GET", "api/mindzie/info", headers=self.as_user("bob"))).json["tenants"] == "*"
        assert (await api("GET", "api/mindzie/info", headers=self.as_user("eve"))).json["tenants"] == []
        assert PROJECT

    async def test_reading_does_not_imply_running(self, api):
        alice, bob = self.as_user("alice"), self.as_user("bob")
        notebook = (
            await api("POST", project_path("notebook"), {"notebookName": "shared"}, headers=alice)
        ).json
        url = project_path("notebook", notebook["notebookId"], "execute")
        problem = assert_problem(await api("POST", url, {}, headers=alice), 403, problem_type="forbidden")
        assert "not run" in problem["detail"]
        accepted = await api("POST", url, {}, headers=bob)
        assert accepted.status == 202
        cancel = project_path(
            "notebook", notebook["notebookId"], "execution", accepted.json["executionId"], "cancel"
        )
        assert_problem(await api("POST", cancel, headers=alice), 403)
        assert (
            await api(
                "GET",
                project_path("notebook", notebook["notebookId"], "execution", accepted.json["executionId"]),
                headers=alice,
            )
        ).status == 200
        assert (await api("POST", cancel, headers=bob)).status in (202, 409)
        info = (await api("GET", "api/mindzie/info", headers=alice)).json
        assert info["tenants"] == [TENANT] and info["executeTenants"] == []

    async def test_no_endpoint_or_artifact_crosses_tenants_or_projects(self, api):
        """Every tenant-scoped operation of the OpenAPI document, with bob's real ids, as alice."""
        import asyncio
        import time

        from jupyter_mindzie.contract.openapi import build_document

        bob = self.as_user("bob")
        theirs = {"tenant": OTHER_TENANT, "project": OTHER_PROJECT}
        notebook = (
            await api("POST", project_path("notebook", **theirs), {"notebookName": "bob's"}, headers=bob)
        ).json
        cells = [
            {"cellId": "cell-001", "cellType": "code", "content": "x = 1"},
            {"cellType": "code", "content": "print(x)"},
        ]
        await api(
            "PUT", project_path("notebook", notebook["notebookId"], **theirs), {"cells": cells}, headers=bob
        )
        execution = (
            await api(
                "POST", project_path("notebook", notebook["notebookId"], "execute", **theirs), {}, headers=bob
            )
        ).json
        status_url = project_path(
            "notebook", notebook["notebookId"], "execution", execution["executionId"], **theirs
        )
        end = time.monotonic() + 120
        while (await api("GET", status_url, headers=bob)).json["status"] == "Running":
            assert time.monotonic() < end
            await asyncio.sleep(0.05)
        dataset = await api(
            "POST",
            project_path("dataset", **theirs),
            raw=b'--x\r\nContent-Disposition: form-data; name="file"; filename="log.csv"\r\n\r\ncase_id,activity,timestamp\r\n1,a,2024-01-01\r\n--x--\r\n',
            headers={**bob, "Content-Type": "multipart/form-data; boundary=x"},
        )
        assert dataset.status == 201, dataset.body
        ids = {
            "notebookId": notebook["notebookId"],
            "executionId": execution["executionId"],
            "datasetId": dataset.json["datasetId"],
            "name": "executed.ipynb",
        }

        alice = self.as_user("alice")
        checked = 0
        for template, operations in build_document()["paths"].items():
            if "{tenantId}" not in template:
                continue
            for method in ("get", "post", "put", "delete"):
                if method not in operations:
                    continue
                # bob's tenant (alice has no access) and alice's own project (bob's ids are not there)
                for tenant, project in ((OTHER_TENANT, OTHER_PROJECT), (TENANT, PROJECT)):
                    path = template.format(tenantId=tenant, projectId=project, **ids).lstrip("/")
                    if tenant == TENANT and not any(k in template for k in ("{notebookId}", "{datasetId}")):
                        continue  # alice's own collections are hers to use
                    body = {"notebookName": "x"} if method in ("post", "put") else None
                    reply = await api(method.upper(), path, body, headers=alice)
                    runs = template.endswith(("/execute", "/cancel"))
                    # alice may not run anything in her own tenant: 403 there, whatever the id
                    problem = assert_problem(reply, 403 if runs and tenant == TENANT else 404)
                    assert "bob" not in problem["detail"]
                    checked += 1
        assert checked >= 25
        # and bob still has everything
        assert (await api("GET", f"{status_url}/artifacts/executed.ipynb", headers=bob)).status == 200
        assert (
            await api("GET", project_path("dataset", ids["datasetId"], **theirs), headers=bob)
        ).status == 200
        assert (await api("GET", project_path("notebook", ids["notebookId"], **theirs), headers=bob)).json[
            "notebookName"
        ] == "bob's"
