"""The Notebooks section of SPEC.md through a real server: create, list, get, update, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from .support import (
    DATASET,
    OTHER_PROJECT,
    OTHER_TENANT,
    PROJECT,
    TENANT,
    assert_problem,
    create,
    multipart,
    project_path,
)

SEED_CREATE = {
    "notebookName": "Advanced Customer Analytics",
    "notebookDescription": "顧客行動予測のための機械学習モデル",
    "kernelType": "python3",
    "template": "process_mining_starter",
    "integration": {
        "enrichmentMode": True,
        "datasetBinding": DATASET,
        "outputFormat": "enriched_dataframe",
        "autoExecution": False,
    },
    "environment": {
        "packages": ["pandas", "numpy", "scikit-learn", "matplotlib", "seaborn"],
        "customLibraries": ["process_mining_utils"],
    },
    "initialCells": [
        {"cellType": "markdown", "content": "# Customer Analytics Notebook\n\nプロセスマイニング。"},
        {"cellType": "code", "content": "import pandas as pd\nimport numpy as np"},
    ],
}


def on_disk(root: Path, notebook: dict[str, Any]) -> nbformat.NotebookNode:
    return nbformat.read(root / notebook["path"], as_version=4)


# -- create -------------------------------------------------------------------------------


async def test_create_with_the_seed_body(api, jp_root_dir):
    reply = await api("POST", project_path("notebook"), SEED_CREATE)
    assert reply.status == 201
    notebook = reply.json
    assert reply.headers["Location"].endswith(f"/api/{TENANT}/{PROJECT}/notebook/{notebook['notebookId']}")
    assert reply.headers["ETag"] == '"1.0.0"'
    assert notebook["notebookVersion"] == "1.0.0"
    assert notebook["status"] == "Ready"
    assert notebook["tenantId"] == TENANT and notebook["projectId"] == PROJECT
    assert notebook["notebookName"] == SEED_CREATE["notebookName"]
    assert notebook["notebookDescription"] == SEED_CREATE["notebookDescription"]
    assert notebook["integration"] == {
        **SEED_CREATE["integration"],
        "scheduleExecution": None,
        "scheduleTimezone": "UTC",
    }
    assert notebook["environment"]["packages"] == SEED_CREATE["environment"]["packages"]
    assert notebook["environment"]["customLibraries"] == ["process_mining_utils"]
    assert notebook["executionCount"] == 0 and notebook["lastExecutionDate"] is None
    assert notebook["dateCreated"].endswith("Z") and notebook["dateModified"].endswith("Z")
    assert notebook["createdBy"]
    # initialCells first, then the template; ids cell-001, cell-002, …
    cells = notebook["cells"]
    assert [c["cellId"] for c in cells] == [f"cell-{n:03d}" for n in range(1, len(cells) + 1)]
    assert cells[0] == {"cellId": "cell-001", "cellType": "markdown", "lastModified": notebook["dateCreated"]}
    assert cells[1]["cellType"] == "code"
    assert set(cells[1]) == {
        "cellId",
        "cellType",
        "executionCount",
        "hasOutput",
        "lastExecuted",
        "executionStatus",
    }
    # missing packages come back as warnings; installed ones do not
    warned = {
        w["message"].split("'")[1]
        for w in notebook["validation"]["warnings"]
        if w["code"] == "missing-package"
    }
    assert {"seaborn", "process_mining_utils"} <= warned
    assert not warned & {"pandas", "numpy", "matplotlib"}
    # a real file, with the settings in its metadata and a tagged parameters cell
    nb = on_disk(jp_root_dir, notebook)
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.nbformat_minor == 5
    assert [c.id for c in nb.cells] == [c["cellId"] for c in cells]
    assert nb.cells[0].source.startswith("# Customer Analytics Notebook")
    meta = nb.metadata["mindzie"]
    assert meta["notebookId"] == notebook["notebookId"] and meta["integration"]["datasetBinding"] == DATASET
    assert nb.metadata["kernelspec"]["name"] == "python3"
    parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    assert f"dataset_id = '{DATASET}'" in parameters[0].source
    assert notebook["path"] == f"mindzie/{TENANT}/{PROJECT}/Advanced-Customer-Analytics.ipynb"


async def test_version_specifiers_are_checked_against_the_kernels_environment(api):
    packages = ["nbformat>=1", "nbformat<1", "numpy>=999", "not-a-real-package>=1"]
    reply = await api(
        "POST", project_path("notebook"), {"notebookName": "pinned", "environment": {"packages": packages}}
    )
    assert reply.status == 201, reply.body
    warnings = {w["message"].split("'")[1]: w for w in reply.json["validation"]["warnings"]}
    assert "nbformat>=1" not in warnings
    assert warnings["nbformat<1"]["code"] == "package-version-mismatch"
    assert warnings["nbformat<1"]["field"] == "environment.packages"
    assert f"version {nbformat.__version__} is installed" in warnings["nbformat<1"]["message"]
    assert warnings["numpy>=999"]["code"] == "package-version-mismatch"
    assert warnings["not-a-real-package>=1"]["code"] == "missing-package"


async def test_blank_is_the_default_template_and_has_a_parameters_cell(api, jp_root_dir):
    notebook = await create(api)
    nb = on_disk(jp_root_dir, notebook)
    assert len(nb.cells) == 1
    assert nb.cells[0].metadata["tags"] == ["parameters"]
    assert "dataset_id = None" in nb.cells[0].source
    assert notebook["integration"] == {
        "enrichmentMode": False,
        "datasetBinding": None,
        "outputFormat": "enriched_dataframe",
        "autoExecution": False,
        "scheduleExecution": None,
        "scheduleTimezone": "UTC",
    }
    assert notebook["validation"] == {"warnings": []}


async def test_guids_in_any_case_come_back_lower_case(api):
    reply = await api(
        "POST",
        project_path("notebook", tenant=TENANT.upper(), project=PROJECT.upper()),
        {"notebookName": "x", "integration": {"datasetBinding": DATASET.upper()}},
    )
    assert reply.status == 201
    assert reply.json["tenantId"] == TENANT and reply.json["integration"]["datasetBinding"] == DATASET
    listed = await api("GET", project_path("notebooks"))
    assert listed.json["totalCount"] == 1


async def test_file_names_are_safe_unique_and_keep_unicode_names(api, jp_root_dir):
    first = await create(api, {"notebookName": "../../etc/passwd"})
    second = await create(api, {"notebookName": "../../etc/passwd"})
    japanese = await create(api, {"notebookName": "カスタマージャーニー分析"})
    dots = await create(api, {"notebookName": "..."})
    folder = f"mindzie/{TENANT}/{PROJECT}"
    assert first["path"] == f"{folder}/etc-passwd.ipynb"
    assert second["path"] == f"{folder}/etc-passwd-2.ipynb"
    assert japanese["path"] == f"{folder}/カスタマージャーニー分析.ipynb"
    assert dots["path"] == f"{folder}/notebook.ipynb"
    assert first["notebookName"] == "../../etc/passwd"
    for notebook in (first, second, japanese, dots):
        assert (jp_root_dir / notebook["path"]).is_file()
        assert on_disk(jp_root_dir, notebook).metadata["mindzie"]["notebookName"] == notebook["notebookName"]
    assert not list(jp_root_dir.parent.rglob("passwd*"))


async def test_an_existing_file_is_never_overwritten(api, jp_root_dir):
    folder = jp_root_dir / "mindzie" / TENANT / PROJECT
    folder.mkdir(parents=True)
    (folder / "Analysis.ipynb").write_text("mine", encoding="utf-8")
    notebook = await create(api)
    assert notebook["path"].endswith("/Analysis-2.ipynb")
    assert (folder / "Analysis.ipynb").read_text(encoding="utf-8") == "mine"


async def test_starter_notebook_is_valid_tagged_and_runs(api, jp_root_dir):
    from nbclient import NotebookClient

    notebook = await create(api, {"notebookName": "Starter", "template": "process_mining_starter"})
    nb = on_disk(jp_root_dir, notebook)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(jp_root_dir)}}
    )
    await client.async_execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    metrics = [o.data["application/json"] for o in outputs if "application/json" in o.get("data", {})]
    assert metrics and metrics[0]["caseCount"] == 1000
    assert "Manager Approval" in metrics[0]["bottleneckActivities"]
    assert any("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "notebookName"),
        ({"notebookName": ""}, "notebookName"),
        ({"notebookName": "   "}, "notebookName"),
        ({"notebookName": 42}, "notebookName"),
        ({"notebookName": "x", "notebookNme": "typo"}, "notebookNme"),
        ({"notebookName": "x", "template": "fancy"}, "template"),
        (
            {"notebookName": "x", "integration": {"datasetBinding": "dataset-guid"}},
            "integration.datasetBinding",
        ),
        ({"notebookName": "x", "integration": {"enrichmentMode": "yes"}}, "integration.enrichmentMode"),
        ({"notebookName": "x", "integration": {"outputFormat": "xlsx"}}, "integration.outputFormat"),
        ({"notebookName": "x", "integration": {"color": "red"}}, "integration.color"),
        (
            {"notebookName": "x", "integration": {"scheduleExecution": "every day"}},
            "integration.scheduleExecution",
        ),
        (
            {"notebookName": "x", "integration": {"scheduleExecution": "0 2 * * * *"}},
            "integration.scheduleExecution",
        ),
        ({"notebookName": "x", "integration": {"autoExecution": True}}, "integration.scheduleExecution"),
        ({"notebookName": "x", "environment": {"packages": "pandas"}}, "environment.packages"),
        (
            {"notebookName": "x", "environment": {"customLibraries": ["not a module"]}},
            "environment.customLibraries[0]",
        ),
        (
            {"notebookName": "x", "initialCells": [{"cellType": "sql", "content": ""}]},
            "initialCells[0].cellType",
        ),
        ({"notebookName": "x", "initialCells": [{"cellType": "code"}]}, "initialCells[0].content"),
        ({"notebookName": "x", "kernelType": "no-such-kernel"}, "kernelType"),
        ({"notebookName": "x", "kernelType": "../python3"}, "kernelType"),
    ],
)
async def test_create_rejects_bad_bodies_naming_the_field(api, jp_root_dir, body, field):
    reply = await api("POST", project_path("notebook"), body)
    assert_problem(reply, 400, field=field)
    assert not (jp_root_dir / "mindzie").exists() or not any((jp_root_dir / "mindzie").rglob("*.ipynb"))


async def test_unknown_template_and_kernel_list_the_choices(api):
    template = assert_problem(
        await api("POST", project_path("notebook"), {"notebookName": "x", "template": "fancy"}), 400
    )
    assert "blank" in template["detail"] and "process_mining_starter" in template["detail"]
    kernel = assert_problem(
        await api("POST", project_path("notebook"), {"notebookName": "x", "kernelType": "scala"}), 400
    )
    assert "python3" in kernel["detail"]


@pytest.mark.parametrize(
    "raw", [b"{not json", b"", b"[1, 2]", b"\xff\xfe", b"null", b"[" * 100_000 + b"]" * 100_000]
)
async def test_create_rejects_bodies_that_are_not_json_objects(api, raw):
    assert_problem(await api("POST", project_path("notebook"), raw=raw), 400, field="body")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"api/{TENANT}/{PROJECT}/notebook/not-a-guid", "notebookId"),
        (f"api/{TENANT}/{PROJECT}/notebook/{TENANT}x", "notebookId"),
    ],
)
async def test_ids_that_are_not_guids_are_400(api, path, field):
    assert_problem(await api("GET", path), 400, field=field)


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
async def test_unknown_endpoints_under_a_project_are_problem_404s(api, method):
    reply = await api(method, project_path("notebook", DATASET, "nonsense"), {} if method == "POST" else None)
    assert_problem(reply, 404)
    assert_problem(await api("GET", project_path("notebooks"), headers={"Authorization": "token wrong"}), 403)
    assert_problem(await api("GET", project_path("whatever"), headers={"Authorization": "token wrong"}), 403)


async def test_jupyter_contents_api_is_not_shadowed(api, jp_root_dir):
    (jp_root_dir / "work" / "notebooks").mkdir(parents=True)
    reply = await api("GET", "api/contents/work/notebooks")
    assert reply.status == 200 and reply.json["type"] == "directory"


# -- get ----------------------------------------------------------------------------------


async def test_get_returns_the_object_and_content_on_request(api):
    notebook = await create(api, SEED_CREATE)
    reply = await api("GET", project_path("notebook", notebook["notebookId"]))
    assert reply.status == 200
    assert reply.headers["ETag"] == '"1.0.0"'
    got = reply.json
    assert dict(got.items()) == {k: v for k, v in notebook.items() if k != "validation"}
    assert all("content" not in cell for cell in got["cells"])
    detailed = (
        await api("GET", project_path("notebook", notebook["notebookId"]), params={"includeContent": "true"})
    ).json
    assert detailed["cells"][1]["content"] == "import pandas as pd\nimport numpy as np"
    assert_problem(
        await api(
            "GET", project_path("notebook", notebook["notebookId"]), params={"includeContent": "maybe"}
        ),
        400,
        field="includeContent",
    )


async def test_missing_notebook_is_404(api):
    problem = assert_problem(
        await api("GET", project_path("notebook", DATASET)), 404, problem_type="notebook-not-found"
    )
    assert DATASET in problem["detail"]


async def test_other_projects_and_tenants_see_404_like_a_missing_notebook(api):
    notebook = await create(api)
    missing = (await api("GET", project_path("notebook", DATASET))).json
    for where in ({"project": OTHER_PROJECT}, {"tenant": OTHER_TENANT}):
        for method, body in (("GET", None), ("PUT", {"notebookName": "stolen"}), ("DELETE", None)):
            reply = await api(method, project_path("notebook", notebook["notebookId"], **where), body)
            problem = assert_problem(reply, 404, problem_type="notebook-not-found")
            assert problem["title"] == missing["title"]
        listed = await api("GET", project_path("notebooks", **where))
        assert listed.json["totalCount"] == 0
    assert (await api("GET", project_path("notebook", notebook["notebookId"]))).json[
        "notebookName"
    ] == "Analysis"


async def test_a_file_deleted_on_disk_is_restored_from_its_last_version(api, jp_root_dir):
    notebook = await create(api, {"notebookName": "Keep me"})
    (jp_root_dir / notebook["path"]).unlink()
    reply = await api("GET", project_path("notebook", notebook["notebookId"]))
    assert reply.status == 200 and reply.json["notebookVersion"] == "1.0.0"
    assert on_disk(jp_root_dir, notebook).metadata["mindzie"]["notebookName"] == "Keep me"


async def test_an_unreadable_file_is_a_clear_409_not_a_500(api, jp_root_dir):
    notebook = await create(api)
    (jp_root_dir / notebook["path"]).write_text("{broken", encoding="utf-8")
    problem = assert_problem(await api("GET", project_path("notebook", notebook["notebookId"])), 409)
    assert notebook["path"] in problem["detail"]


# -- list ---------------------------------------------------------------------------------


async def test_list_pages_newest_first(api):
    ids = [(await create(api, {"notebookName": f"nb {n}"}))["notebookId"] for n in range(5)]
    first = (await api("GET", project_path("notebooks"), params={"pageSize": "2"})).json
    assert first["totalCount"] == 5 and first["page"] == 1 and first["pageSize"] == 2 and first["hasNextPage"]
    pages = [first["notebooks"]]
    for page in (2, 3):
        pages.append(
            (await api("GET", project_path("notebooks"), params={"pageSize": "2", "page": str(page)})).json[
                "notebooks"
            ]
        )
    last = (await api("GET", project_path("notebooks"), params={"pageSize": "2", "page": "3"})).json
    assert not last["hasNextPage"]
    assert [item["notebookId"] for page in pages for item in page] == list(reversed(ids))
    item = pages[0][0]
    assert set(item) >= {
        "notebookId",
        "notebookName",
        "kernelType",
        "status",
        "enrichmentMode",
        "cellCount",
        "lastExecutionDate",
        "dateCreated",
    }
    assert item["cellCount"] == 1 and item["enrichmentMode"] is False
    beyond = (await api("GET", project_path("notebooks"), params={"page": "9"})).json
    assert beyond["notebooks"] == [] and beyond["totalCount"] == 5


async def test_list_filters(api):
    enriched = await create(api, {"notebookName": "enriched", "integration": {"enrichmentMode": True}})
    plain = await create(api, {"notebookName": "plain"})

    async def names(**params: str) -> list[str]:
        reply = await api("GET", project_path("notebooks"), params=params)
        assert reply.status == 200, reply.body
        return sorted(n["notebookName"] for n in reply.json["notebooks"])

    assert await names(enrichmentMode="true") == ["enriched"]
    assert await names(enrichmentMode="false") == ["plain"]
    assert await names(status="Ready") == ["enriched", "plain"]
    assert await names(status="Running") == []
    assert await names(kernelType="python3") == ["enriched", "plain"]
    assert await names(kernelType="ir") == []
    assert enriched["notebookId"] != plain["notebookId"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageSize": "0"}, "pageSize"),
        ({"pageSize": "101"}, "pageSize"),
        ({"pageSize": "ten"}, "pageSize"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"status": "Done"}, "status"),
        ({"enrichmentMode": "yes"}, "enrichmentMode"),
        ({"kernelType": "py thon"}, "kernelType"),
    ],
)
async def test_list_rejects_bad_query_values(api, params, field):
    problem = assert_problem(await api("GET", project_path("notebooks"), params=params), 400, field=field)
    assert field in problem["detail"]


async def test_list_reports_every_bad_query_value_at_once(api):
    problem = assert_problem(
        await api("GET", project_path("notebooks"), params={"page": "x", "pageSize": "500"}), 400
    )
    assert {e["field"] for e in problem["errors"]} == {"page", "pageSize"}


# -- update -------------------------------------------------------------------------------


async def test_put_settings_bumps_patch_and_merges_integration(api, jp_root_dir):
    notebook = await create(api, SEED_CREATE)
    update = {
        "notebookName": "Advanced Customer Analytics v2",
        "integration": {"autoExecution": True, "scheduleExecution": "0 2 * * *"},
        "environment": {"packages": ["pandas"], "customLibraries": []},
    }
    reply = await api("PUT", project_path("notebook", notebook["notebookId"]), update)
    assert reply.status == 200, reply.body
    updated = reply.json
    assert updated["notebookVersion"] == "1.0.1" and reply.headers["ETag"] == '"1.0.1"'
    assert updated["notebookName"] == "Advanced Customer Analytics v2"
    assert updated["notebookDescription"] == SEED_CREATE["notebookDescription"]
    assert updated["integration"] == {
        **SEED_CREATE["integration"],
        "autoExecution": True,
        "scheduleExecution": "0 2 * * *",
        "scheduleTimezone": "UTC",
    }
    assert updated["environment"]["packages"] == ["pandas"]
    assert updated["dateModified"] >= notebook["dateModified"]
    assert updated["cells"] == notebook["cells"]
    assert updated["path"] == notebook["path"]
    meta = on_disk(jp_root_dir, notebook).metadata["mindzie"]
    assert (
        meta["notebookName"] == "Advanced Customer Analytics v2"
        and meta["integration"]["scheduleExecution"] == "0 2 * * *"
    )


async def test_put_cells_replaces_them_bumps_minor_and_keeps_named_ids(api, jp_root_dir):
    notebook = await create(
        api, {"notebookName": "cells", "initialCells": [{"cellType": "markdown", "content": "# Title"}]}
    )
    cells = [
        {"cellId": "cell-002", "cellType": "code", "content": "dataset_id = None\nrate = 1"},
        {"cellType": "markdown", "content": "## New section"},
        {"cellType": "code", "content": "print(rate)"},
        {"cellId": "my-own-id", "cellType": "raw", "content": "raw text"},
    ]
    reply = await api("PUT", project_path("notebook", notebook["notebookId"]), {"cells": cells})
    assert reply.status == 200, reply.body
    updated = reply.json
    assert updated["notebookVersion"] == "1.1.0"
    assert [c["cellId"] for c in updated["cells"]] == ["cell-002", "cell-003", "cell-004", "my-own-id"]
    assert [c["cellType"] for c in updated["cells"]] == ["code", "markdown", "code", "raw"]
    nb = on_disk(jp_root_dir, notebook)
    assert [c.source for c in nb.cells] == [c["content"] for c in cells]
    assert nb.cells[0].metadata["tags"] == ["parameters"]  # an existing cell keeps its metadata
    nbformat.validate(nb)


async def test_put_cells_and_settings_together_bumps_minor_only(api):
    notebook = await create(api)
    reply = await api(
        "PUT",
        project_path("notebook", notebook["notebookId"]),
        {"notebookDescription": "new", "cells": [{"cellType": "code", "content": "1"}]},
    )
    assert reply.json["notebookVersion"] == "1.1.0"
    again = await api(
        "PUT", project_path("notebook", notebook["notebookId"]), {"notebookDescription": "newer"}
    )
    assert again.json["notebookVersion"] == "1.1.1"
    cells = await api(
        "PUT",
        project_path("notebook", notebook["notebookId"]),
        {"cells": [{"cellType": "code", "content": "2"}]},
    )
    assert cells.json["notebookVersion"] == "1.2.0"


async def test_put_without_changes_keeps_the_version(api):
    notebook = await create(api)
    for body in ({}, {"notebookName": "Analysis"}, {"integration": {"enrichmentMode": False}}):
        reply = await api("PUT", project_path("notebook", notebook["notebookId"]), body)
        assert reply.status == 200 and reply.json["notebookVersion"] == "1.0.0"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notebookName": None}, "notebookName"),
        ({"kernelType": "ir"}, "kernelType"),
        ({"cells": [{"cellId": "a b", "cellType": "code", "content": ""}]}, "cells[0].cellId"),
        (
            {
                "cells": [
                    {"cellId": "x", "cellType": "code", "content": ""},
                    {"cellId": "x", "cellType": "code", "content": ""},
                ]
            },
            "cells[1].cellId",
        ),
        ({"cells": "all"}, "cells"),
        ({"integration": {"scheduleExecution": "61 * * * *"}}, "integration.scheduleExecution"),
        ({"integration": {"autoExecution": True}}, "integration.scheduleExecution"),
        ({"integration": {"datasetBinding": 5}}, "integration.datasetBinding"),
    ],
)
async def test_put_rejects_bad_bodies(api, body, field):
    notebook = await create(api)
    assert_problem(await api("PUT", project_path("notebook", notebook["notebookId"]), body), 400, field=field)
    unchanged = (await api("GET", project_path("notebook", notebook["notebookId"]))).json
    assert unchanged["notebookVersion"] == "1.0.0"


async def test_put_unbinds_a_dataset_with_null_or_empty(api):
    notebook = await create(api, {"notebookName": "bound", "integration": {"datasetBinding": DATASET}})
    for value in (None, ""):
        reply = await api(
            "PUT",
            project_path("notebook", notebook["notebookId"]),
            {"integration": {"datasetBinding": DATASET}},
        )
        reply = await api(
            "PUT",
            project_path("notebook", notebook["notebookId"]),
            {"integration": {"datasetBinding": value}},
        )
        assert reply.json["integration"]["datasetBinding"] is None


async def test_stale_if_match_is_412_and_current_one_passes(api):
    notebook = await create(api)
    url = project_path("notebook", notebook["notebookId"])
    first = await api("PUT", url, {"notebookDescription": "a"}, headers={"If-Match": '"1.0.0"'})
    assert first.status == 200 and first.json["notebookVersion"] == "1.0.1"
    stale = await api("PUT", url, {"notebookDescription": "b"}, headers={"If-Match": '"1.0.0"'})
    problem = assert_problem(stale, 412, field="If-Match", problem_type="version-mismatch")
    assert "1.0.1" in problem["detail"]
    assert (await api("GET", url)).json["notebookDescription"] == "a"
    for header in ("1.0.1", 'W/"1.0.1"', '"0.9.0", "1.0.1"', "*"):
        current = (await api("GET", url)).headers["ETag"]
        reply = await api(
            "PUT",
            url,
            {"notebookDescription": header},
            headers={"If-Match": header.replace("1.0.1", current.strip('"'))},
        )
        assert reply.status == 200, (header, reply.body)


# -- delete -------------------------------------------------------------------------------


async def test_delete_removes_the_notebook_its_file_and_versions(api, jp_root_dir):
    notebook = await create(api)
    await api("PUT", project_path("notebook", notebook["notebookId"]), {"notebookDescription": "v2"})
    reply = await api("DELETE", project_path("notebook", notebook["notebookId"]))
    assert reply.status == 204 and reply.body == b""
    assert not (jp_root_dir / notebook["path"]).exists()
    assert_problem(await api("GET", project_path("notebook", notebook["notebookId"])), 404)
    assert_problem(await api("GET", project_path("notebook", notebook["notebookId"], "versions")), 404)
    assert_problem(await api("DELETE", project_path("notebook", notebook["notebookId"])), 404)
    assert (await api("GET", project_path("notebooks"))).json["totalCount"] == 0


async def test_delete_works_when_the_file_is_already_gone(api, jp_root_dir):
    notebook = await create(api)
    (jp_root_dir / notebook["path"]).unlink()
    assert (await api("DELETE", project_path("notebook", notebook["notebookId"]))).status == 204


async def test_delete_while_running_is_409(api, mindzie_app):
    notebook = await create(api)
    # an execution marks its notebook Running; the engine is not needed to hold that state
    mindzie_app.store.update_notebook(notebook["notebookId"], {"status": "Running"})
    reply = await api("DELETE", project_path("notebook", notebook["notebookId"]))
    assert_problem(reply, 409, problem_type="notebook-running")
    assert (await api("GET", project_path("notebook", notebook["notebookId"]))).status == 200


async def test_parameters_of_a_notebook_for_the_run_form(api):
    notebook = await create(
        api,
        {
            "notebookName": "Starter",
            "template": "process_mining_starter",
            "integration": {"datasetBinding": DATASET},
        },
    )
    reply = await api("GET", project_path("notebook", notebook["notebookId"], "parameters"))
    assert reply.status == 200
    parameters = {p["name"]: p for p in reply.json["parameters"]}
    assert parameters["dataset_id"]["default"] == repr(DATASET) and parameters["dataset_id"]["type"] == "str"
    assert (
        parameters["top_n_bottlenecks"]["type"] == "int" and parameters["top_n_bottlenecks"]["default"] == "3"
    )
    assert parameters["case_column"]["default"] == "'case_id'"
    assert (
        parameters["top_n_bottlenecks"]["value"] == 3 and parameters["top_n_bottlenecks"]["literal"] is True
    )
    assert parameters["dataset_id"]["value"] == DATASET
    assert_problem(await api("GET", project_path("notebook", DATASET, "parameters")), 404)


async def test_projects_lists_the_pairs_that_hold_notebooks(api):
    await create(api)
    await create(api, project=OTHER_PROJECT)
    await create(api, project=OTHER_PROJECT)
    listed = (await api("GET", "api/mindzie/projects")).json
    assert {(p["tenantId"], p["projectId"], p["notebookCount"]) for p in listed["projects"]} == {
        (TENANT, PROJECT, 1),
        (TENANT, OTHER_PROJECT, 2),
    }
    assert listed["tenants"] == "*"


async def test_projects_get_display_names_and_keep_their_guid_folders(api, jp_root_dir):
    notebook = await create(api)
    names = {"tenantName": "  Demo   company ", "projectName": "Loan applications"}
    reply = await api("PUT", f"api/mindzie/projects/{TENANT.upper()}/{PROJECT}", names)
    assert reply.status == 200, reply.body
    assert reply.json == {
        "tenantId": TENANT,
        "projectId": PROJECT,
        "tenantName": "Demo company",
        "projectName": "Loan applications",
        "notebookCount": 1,
        "datasetCount": 0,
    }
    # a project with nothing in it yet is listed once it has a name; the tenant's name is shared
    reply = await api("PUT", f"api/mindzie/projects/{TENANT}/{OTHER_PROJECT}", {"projectName": "Claims"})
    assert reply.status == 200 and reply.json["tenantName"] == "Demo company"
    listed = {p["projectId"]: p for p in (await api("GET", "api/mindzie/projects")).json["projects"]}
    assert listed[PROJECT]["projectName"] == "Loan applications"
    assert listed[OTHER_PROJECT] == {
        "tenantId": TENANT,
        "projectId": OTHER_PROJECT,
        "tenantName": "Demo company",
        "projectName": "Claims",
        "notebookCount": 0,
        "datasetCount": 0,
    }
    assert (jp_root_dir / notebook["path"]).is_file() and TENANT in notebook["path"]

    reply = await api("PUT", f"api/mindzie/projects/{TENANT}/{PROJECT}", {"projectName": None})
    assert reply.json["projectName"] is None and reply.json["tenantName"] == "Demo company"


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        (f"{TENANT}/{PROJECT}", {"projectName": "   "}, 400, "projectName"),
        (f"{TENANT}/{PROJECT}", {"projectName": "x" * 121}, 400, "projectName"),
        (f"{TENANT}/{PROJECT}", {"tenantName": 3}, 400, "tenantName"),
        (f"{TENANT}/{PROJECT}", {"name": "typo"}, 400, "name"),
        (f"{TENANT}/{PROJECT}", {}, 400, "body"),
        (f"not-a-guid/{PROJECT}", {"projectName": "x"}, 400, "tenantId"),
    ],
)
async def test_project_names_are_validated(api, path, body, status, field):
    assert_problem(await api("PUT", f"api/mindzie/projects/{path}", body), status, field)


async def test_a_new_notebook_carries_the_kernel_s_language_info(api, jp_root_dir):
    import platform

    notebook = await create(api)
    info = on_disk(jp_root_dir, notebook).metadata["language_info"]
    assert info["name"] == "python" and info["version"] == platform.python_version()
    assert info["file_extension"] == ".py" and info["mimetype"] == "text/x-python"


async def test_the_package_check_never_runs_code_from_the_project_folder(api, tmp_path):
    """A package written into the project folder through Jupyter's contents API is looked at,
    never imported: not through customLibraries, packages or an upload's metadata."""
    marker = tmp_path / "imported"
    first = await create(api, {"notebookName": "sets up the folder"})
    folder = first["path"].rsplit("/", 1)[0]
    evil = f"open({str(marker)!r}, 'a').write('ran')\n"
    for path, model in (
        (f"{folder}/evilpkg", {"type": "directory"}),
        (f"{folder}/evilpkg/__init__.py", {"type": "file", "format": "text", "content": evil}),
        (f"{folder}/evilpkg/sub.py", {"type": "file", "format": "text", "content": evil}),
    ):
        assert (await api("PUT", f"api/contents/{path}", model)).status in (200, 201)

    environment = {"customLibraries": ["evilpkg.sub", "evilpkg.nothing"], "packages": ["evilpkg.sub"]}
    reply = await api("POST", project_path("notebook"), {"notebookName": "bait", "environment": environment})
    assert reply.status == 201, reply.body
    missing = {w["message"].split("'")[1] for w in reply.json["validation"]["warnings"]}
    # found as files where the kernel will run, so not missing; a submodule that is not there is
    assert missing == {"evilpkg.nothing"}
    updated = await api(
        "PUT",
        project_path("notebook", reply.json["notebookId"]),
        {"environment": {"customLibraries": ["evilpkg"], "packages": ["evilpkg.sub>=1"]}},
    )
    assert updated.status == 200, updated.body

    nb = nbformat.v4.new_notebook()
    nb.metadata["mindzie"] = {"environment": environment}
    body, headers = multipart({}, [("file", "bait.ipynb", nbformat.writes(nb).encode())])
    uploaded = await api("POST", project_path("notebook", "upload"), raw=body, headers=headers)
    assert uploaded.status == 201, uploaded.body
    assert not marker.exists(), "the package check imported code from the project folder"
