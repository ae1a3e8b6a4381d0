"""MindzieAuthorizer: tenancy over Jupyter's own contents, files, nbconvert, kernels and sessions APIs."""

from __future__ import annotations

from typing import Any

import pytest

from .support import OTHER_PROJECT, OTHER_TENANT, PROJECT, TENANT, TokenUsers, assert_problem, project_path


class TenantUsers(TokenUsers):
    users = {**TokenUsers.users, "carol-token": "carol"}


@pytest.fixture
def mindzie_config():
    return {
        "ServerApp": {
            "identity_provider_class": TenantUsers,
            "authorizer_class": "jupyter_mindzie.MindzieAuthorizer",
        },
        "MindzieAccess": {
            # alice reads tenant A; carol reads and runs tenant B; bob is the operator; eve nothing
            "grants": {"alice": [TENANT], "carol": [OTHER_TENANT], "bob": ["*"]},
            "execute_grants": {"carol": [OTHER_TENANT], "bob": ["*"]},
        },
    }


def user(name: str) -> dict[str, str]:
    return {"Authorization": f"token {name}-token"}


async def made_by_bob(api: Any, tenant: str, project: str) -> str:
    reply = await api(
        "POST",
        project_path("notebook", tenant=tenant, project=project),
        {"notebookName": "n"},
        headers=user("bob"),
    )
    assert reply.status == 201, reply.body
    return str(reply.json["path"])


async def test_files_are_limited_to_the_project_folders_of_the_users_tenants(api):
    mine = await made_by_bob(api, TENANT, PROJECT)  # tenant A
    theirs = await made_by_bob(api, OTHER_TENANT, OTHER_PROJECT)  # tenant B
    folder_a, folder_b = mine.rsplit("/", 1)[0], theirs.rsplit("/", 1)[0]
    new_file = {"type": "file", "format": "text", "content": "x = 1\n"}

    # (user, method, path, body) -> allowed?
    matrix = [
        ("alice", "GET", f"api/contents/{mine}", None, True),
        ("alice", "GET", f"api/contents/{folder_a}", None, True),
        ("alice", "GET", f"files/{mine}", None, True),
        ("alice", "GET", f"api/contents/{theirs}", None, False),
        ("alice", "GET", f"files/{theirs}", None, False),
        ("alice", "GET", f"nbconvert/script/{theirs}", None, False),
        ("alice", "GET", f"api/contents/{folder_b}", None, False),
        ("alice", "GET", "api/contents", None, False),  # a listing would show which tenants exist
        ("alice", "GET", "api/contents/mindzie", None, False),
        ("alice", "GET", "api/contents/.mindzie/mindzie.db", None, False),
        ("alice", "PUT", f"api/contents/{folder_a}/lib.py", new_file, False),  # reads, never runs
        ("carol", "GET", f"api/contents/{theirs}", None, True),
        ("carol", "PUT", f"api/contents/{folder_b}/lib.py", new_file, True),
        ("carol", "GET", f"api/contents/{mine}", None, False),
        ("carol", "PUT", f"api/contents/{folder_a}/lib.py", new_file, False),
        ("carol", "DELETE", f"api/contents/{mine}", None, False),
        ("eve", "GET", f"api/contents/{mine}", None, False),
        ("eve", "GET", f"files/{theirs}", None, False),
        ("bob", "GET", "api/contents", None, True),
        ("bob", "GET", f"api/contents/{theirs}", None, True),
    ]
    for name, method, path, body, allowed in matrix:
        reply = await api(method, path, body, headers=user(name))
        if allowed:
            assert reply.status in (200, 201), (name, method, path, reply.status)
        else:
            assert reply.status == 403, (name, method, path, reply.status)
    assert (await api("GET", f"api/contents/{mine}", headers=user("bob"))).status == 200, (
        "nothing was deleted"
    )


async def test_kernels_sessions_and_shutdown_need_the_grants(api):
    session = {"path": "x.ipynb", "type": "notebook", "name": "x", "kernel": {"name": "python3"}}
    for name in ("alice", "eve"):
        assert (await api("GET", "api/kernels", headers=user(name))).status == 403
        assert (await api("POST", "api/kernels", {"name": "python3"}, headers=user(name))).status == 403
        assert (await api("GET", "api/sessions", headers=user(name))).status == 403
        assert (await api("POST", "api/sessions", session, headers=user(name))).status == 403
        assert (await api("GET", "api/kernelspecs", headers=user(name))).status == 200
    assert (await api("POST", "api/shutdown", headers=user("carol"))).status == 403, (
        "carol may not stop the server"
    )

    started = await api("POST", "api/kernels", {"name": "python3"}, headers=user("carol"))
    assert started.status == 201, started.body
    kernel_url = f"api/kernels/{started.json['id']}"
    assert (await api("GET", kernel_url, headers=user("alice"))).status == 403
    assert (await api("DELETE", kernel_url, headers=user("alice"))).status == 403
    assert (await api("DELETE", kernel_url, headers=user("carol"))).status == 204
    opened = await api("POST", "api/sessions", session, headers=user("carol"))
    assert opened.status == 201, opened.body
    assert (await api("DELETE", f"api/sessions/{opened.json['id']}", headers=user("carol"))).status == 204


async def test_the_mindzie_endpoints_keep_their_own_tenancy(api):
    notebook = (
        await api("POST", project_path("notebook"), {"notebookName": "a"}, headers=user("alice"))
    ).json
    assert (await api("GET", project_path("notebooks"), headers=user("alice"))).json["totalCount"] == 1
    execute = project_path("notebook", notebook["notebookId"], "execute")
    assert_problem(await api("POST", execute, {}, headers=user("alice")), 403, problem_type="forbidden")
    assert_problem(await api("GET", project_path("notebooks"), headers=user("carol")), 404)
    assert_problem(await api("GET", project_path("notebooks"), headers=user("eve")), 404)
