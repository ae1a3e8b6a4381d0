"""Executions on real kernels through the API: queue, progress, parameters, failures, results."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import time
import zipfile

import psutil
import pytest

from .support import (
    OTHER_PROJECT,
    assert_problem,
    create,
    execute,
    kernel_ids,
    no_kernels_left,
    notebook_with,
    project_path,
    status,
    wait_for,
)

# -- a whole run --------------------------------------------------------------------------


async def test_the_starter_runs_end_to_end_with_typed_results(api, jp_root_dir):
    notebook = await create(api, {"notebookName": "Starter", "template": "process_mining_starter"})
    accepted = await execute(
        api,
        notebook,
        {
            "parameters": {"top_n_bottlenecks": 2},
            "priority": "High",
            "outputOptions": {"generateReport": True},
        },
    )
    assert accepted["status"] == "Running" and accepted["phase"] in ("Queued", "Starting")
    assert accepted["notebookId"] == notebook["notebookId"]
    assert accepted["estimatedDuration"] == "unknown"
    assert accepted["parameters"] == {"top_n_bottlenecks": 2}
    assert accepted["progress"]["totalCells"] == len(
        [c for c in notebook["cells"] if c["cellType"] == "code"]
    )
    assert accepted["startTime"].endswith("Z") and "currentCell" in accepted

    running = await wait_for(
        api,
        notebook["notebookId"],
        accepted["executionId"],
        lambda s: s["phase"] == "Executing" or s["status"] != "Running",
    )
    if running["status"] == "Running":
        execution_row = (
            await api("GET", project_path("notebooks"))
        ).json  # the notebook shows Running meanwhile
        assert execution_row["notebooks"][0]["status"] == "Running"
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed", final
    assert final["progress"]["percentComplete"] == 100
    assert final["progress"]["failedCells"] == 0
    assert (
        final["progress"]["successfulCells"]
        == final["progress"]["totalCells"]
        == final["progress"]["completedCells"]
    )
    assert all(c["status"] == "Success" for c in final["cellResults"])
    assert all(
        c["executionTime"].endswith("seconds") and c["executionTimeSeconds"] >= 0
        for c in final["cellResults"]
    )
    assert final["totalDuration"] and final["totalDurationSeconds"] > 0 and final["endTime"].endswith("Z")
    assert final["outputs"]["plots"] == 2  # the process map and the cycle-time figure
    assert final["resources"]["peakMemoryBytes"] > 10 * 2**20 and final["resources"]["cpuTimeSeconds"] > 0
    assert final["resources"]["diskUsageBytes"] > 0 and final["resources"]["peakMemoryUsage"].endswith("MB")
    assert await no_kernels_left(api), "the run's kernel must be shut down"

    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
            params={"format": "detailed"},
        )
    ).json
    assert results["executionId"] == accepted["executionId"] and results["status"] == "Completed"
    plots = [o for o in results["outputs"] if o["outputType"] == "image/png"]
    assert len(plots) == 2 and plots[0]["dimensions"]["width"] > 100 and plots[0]["title"] == "Process map"
    metrics = [o for o in results["outputs"] if o["outputType"] == "application/json"]
    assert metrics and metrics[-1]["content"]["caseCount"] == 1000
    assert len(metrics[-1]["content"]["bottleneckActivities"]) == 2
    assert results["reports"] and results["reports"][0]["format"] == "html"
    enriched = {d["name"]: d for d in results["enrichedDatasets"]}
    assert enriched["cases_enriched"]["recordCount"] == 1000
    assert "anomaly_flag" in enriched["cases_enriched"]["newColumns"]
    assert enriched["cases_enriched"]["format"] == "pandas_dataframe"
    (model,) = results["models"]
    assert model["modelType"] == "RandomForestClassifier" and model["accuracy"] > 0.6 and model["features"]
    assert final["outputs"]["models"] == 1 and final["outputs"]["enrichedData"]["recordCount"] > 0
    csv = await api("GET", enriched["cases_enriched"]["downloadUrl"].split("/a%40b/", 1)[1])
    assert csv.headers["Content-Type"].startswith("text/csv") and csv.body.startswith(
        b"\xef\xbb\xbfcase_id,"
    )  # a BOM, for Excel

    # the download of a plot: an attachment with the right headers
    download = await api("GET", plots[0]["downloadUrl"].split("/a%40b/", 1)[1])
    assert download.status == 200 and download.body.startswith(b"\x89PNG")
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    report = await api("GET", results["reports"][0]["downloadUrl"].split("/a%40b/", 1)[1])
    assert report.headers["Content-Type"].startswith("text/html") and b"Process mining" in report.body

    after = (await api("GET", project_path("notebook", notebook["notebookId"]))).json
    assert after["status"] == "Ready" and after["executionCount"] == 1 and after["lastExecutionDate"]
    assert after["notebookVersion"] == "1.0.0", "a run never writes the notebook file"
    assert after["environment"]["pythonVersion"].count(".") == 2
    history = (await api("GET", project_path("notebook", notebook["notebookId"], "executions"))).json
    assert [e["executionId"] for e in history["executions"]] == [accepted["executionId"]]
    again = await execute(api, notebook)
    assert again["estimatedDuration"] != "unknown" and "second" in again["estimatedDuration"]
    await wait_for(api, notebook["notebookId"], again["executionId"])


async def test_parameters_arrive_exactly_as_sent(api):
    sent = {
        "x": 'it\'s "quoted"\nand unicode: 分析',
        "flag": True,
        "nothing": None,
        "nested": {"a": [1, 2.5, {"b": None}]},
    }
    notebook = await notebook_with(api, "import json\nprint(json.dumps([x, flag, nothing, nested]))")
    accepted = await execute(api, notebook, {"parameters": sent})
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed", final
    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
            params={"format": "detailed", "cellId": "cell-002"},
        )
    ).json
    (printed,) = results["outputs"]
    assert printed["outputType"] == "stream"
    assert json.loads(printed["content"]) == [sent["x"], True, None, sent["nested"]]


async def test_a_bound_dataset_is_passed_as_dataset_id(api):
    notebook = await notebook_with(api, "print(dataset_id)", parameters="dataset_id = None")
    bound = "880e8400-e29b-41d4-a716-446655440000"
    await api(
        "PUT", project_path("notebook", notebook["notebookId"]), {"integration": {"datasetBinding": bound}}
    )
    accepted = await execute(api, notebook)
    assert accepted["parameters"] == {"dataset_id": bound}
    await wait_for(api, notebook["notebookId"], accepted["executionId"])
    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
            params={"format": "detailed"},
        )
    ).json
    assert results["outputs"][0]["content"].strip() == bound


# -- failures -----------------------------------------------------------------------------


async def test_a_failing_cell_completes_the_run_without_stop_on_error(api):
    notebook = await notebook_with(api, "1 / 0", "print('after')")
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed"
    by_id = {c["cellId"]: c for c in final["cellResults"]}
    assert by_id["cell-002"]["status"] == "Error" and by_id["cell-002"]["errorType"] == "ZeroDivisionError"
    assert by_id["cell-002"]["errorMessage"] == "division by zero"
    assert by_id["cell-003"]["status"] == "Success" and by_id["cell-003"]["hasOutput"]
    assert final["progress"]["failedCells"] == 1 and final["progress"]["successfulCells"] == 2
    notebook_after = (await api("GET", project_path("notebook", notebook["notebookId"]))).json
    assert notebook_after["status"] == "Ready"

    url = project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"])
    light = (await api("GET", url, params={"includeCells": "false"})).json
    assert "cellResults" not in light
    assert light == {key: value for key, value in final.items() if key != "cellResults"}
    assert (await api("GET", url, params={"includeCells": "true"})).json == final
    assert_problem(await api("GET", url, params={"includeCells": "some"}), 400, field="includeCells")


async def test_a_run_keeps_its_cells_out_of_the_users_ipython_history(api):
    notebook = await notebook_with(api, "print(get_ipython().history_manager.hist_file)")
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed"
    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
            params={"format": "detailed", "cellId": "cell-002"},
        )
    ).json
    assert results["outputs"][0]["content"].strip() == ":memory:"


async def test_stop_on_error_cuts_the_run_short(api):
    notebook = await notebook_with(api, "raise KeyError('customer_id')", "print('never')")
    accepted = await execute(api, notebook, {"stopOnError": True})
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Error" and final["errorType"] == "KeyError"
    statuses = [c["status"] for c in final["cellResults"]]
    assert statuses == ["Success", "Error", "Skipped"]
    assert (await api("GET", project_path("notebook", notebook["notebookId"]))).json["status"] == "Error"


async def test_the_whole_execution_timeout(api):
    notebook = await notebook_with(api, "import time\ntime.sleep(60)")
    started = time.monotonic()
    accepted = await execute(api, notebook, {"timeout": 2})
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=30)
    assert time.monotonic() - started < 20
    assert final["status"] == "Error" and final["errorType"] == "TimeoutError"
    assert "2 seconds" in final["errorMessage"]
    assert [c["status"] for c in final["cellResults"]] == ["Success", "Error"]
    assert not await kernel_ids(api)


async def test_a_dead_kernel_ends_the_run_within_seconds(api):
    notebook = await notebook_with(
        api, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "print('never')"
    )
    started = time.monotonic()
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=30)
    assert time.monotonic() - started < 15
    assert final["status"] == "Error" and final["errorType"] == "DeadKernelError"
    assert [c["status"] for c in final["cellResults"]] == ["Success", "Error", "Skipped"]
    assert (await api("GET", project_path("notebook", notebook["notebookId"]))).json[
        "status"
    ] == "Kernel_Dead"
    assert not await kernel_ids(api), "a dead run's kernel is not restarted behind our back"


async def test_cancel_interrupts_and_shuts_the_kernel_down(api):
    notebook = await notebook_with(api, "import time\nfor _ in range(600):\n    time.sleep(0.1)")
    accepted = await execute(api, notebook)
    url = project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"])
    running = await wait_for(
        api,
        notebook["notebookId"],
        accepted["executionId"],
        lambda s: s["currentCell"] == "cell-002" or s["status"] != "Running",
    )
    assert running["status"] == "Running"
    assert running["executionId"] and await kernel_ids(api), "the run's kernel is one of the server's"
    reply = await api("POST", f"{url}/cancel")
    assert reply.status == 202
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=30)
    assert final["status"] == "Cancelled"
    assert not await kernel_ids(api)
    assert_problem(await api("POST", f"{url}/cancel"), 409, problem_type="execution-finished")
    assert (await api("GET", project_path("notebook", notebook["notebookId"]))).json["status"] == "Ready"


async def test_a_status_request_waits_for_the_next_change(api, mindzie_app):
    """`If-None-Match` with `Prefer: wait=N`: answered the moment the status changes, 304 after N
    seconds without a change, at once for a run that has ended."""
    notebook = await notebook_with(api, "import time\nfor _ in range(600):\n    time.sleep(0.1)")
    accepted = await execute(api, notebook)
    url = project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"])
    await wait_for(
        api, notebook["notebookId"], accepted["executionId"], lambda s: s["currentCell"] == "cell-002"
    )
    seen = await api("GET", url, params={"includeCells": "false"})
    etag = seen.headers["ETag"]
    mindzie_app.engine.status_recheck_seconds = 60  # only a write of this server may answer early

    def waiting(seconds: int, tag: str) -> dict[str, str]:
        return {"If-None-Match": tag, "Prefer": f"wait={seconds}"}

    started = time.monotonic()
    quiet = await api("GET", url, params={"includeCells": "false"}, headers=waiting(1, etag))
    assert quiet.status == 304 and time.monotonic() - started >= 1
    assert quiet.headers["Preference-Applied"] == "wait=1" and quiet.headers["ETag"] == etag
    started = time.monotonic()
    anything = await api("GET", url, headers=waiting(15, "*"))
    assert anything.status == 304 and time.monotonic() - started < 5, "* names no status to wait past"

    started = time.monotonic()
    news = asyncio.ensure_future(api("GET", url, params={"includeCells": "false"}, headers=waiting(15, etag)))
    while not mindzie_app.engine.notifier.has_waiters(
        accepted["executionId"]
    ):  # the cancel must find it waiting
        assert not news.done(), news.result()
        await asyncio.sleep(0.01)
    assert (await api("POST", f"{url}/cancel")).status == 202
    changed = await news
    assert changed.status == 200 and changed.headers["ETag"] != etag
    assert time.monotonic() - started < 10, "answered on the change, not at the end of the wait"
    assert changed.json != seen.json

    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    ended = await api("GET", url)
    assert ended.json == final and final["status"] == "Cancelled"
    started = time.monotonic()
    again = await api("GET", url, headers=waiting(15, ended.headers["ETag"]))
    assert again.status == 304 and time.monotonic() - started < 5, "an ended run never changes: no wait"
    assert (await api("GET", url, headers={"Prefer": "respond-async"})).status == 200  # others are ignored
    assert_problem(await api("GET", url, headers={"Prefer": "wait=soon"}), 400, field="Prefer")


async def test_delete_while_an_execution_runs_is_409_then_works(api, jp_root_dir):
    notebook = await notebook_with(api, "import time\ntime.sleep(30)")
    accepted = await execute(api, notebook)
    assert_problem(await api("DELETE", project_path("notebook", notebook["notebookId"])), 409)
    await api(
        "POST",
        project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "cancel"),
    )
    await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert (await api("DELETE", project_path("notebook", notebook["notebookId"]))).status == 204
    assert not (jp_root_dir / ".mindzie" / "executions" / accepted["executionId"]).exists()
    assert_problem(
        await api(
            "GET", project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"])
        ),
        404,
    )


# -- ranges and requests ------------------------------------------------------------------


async def test_a_cell_range_runs_only_those_cells(api):
    notebook = await notebook_with(api, "y = x + 1", "print(y)", "print('outside')")
    accepted = await execute(
        api,
        notebook,
        {"executionMode": "range", "cellRange": {"startCell": "cell-001", "endCell": "cell-003"}},
    )
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed"
    assert {c["cellId"]: c["status"] for c in final["cellResults"]} == {
        "cell-001": "Success",
        "cell-002": "Success",
        "cell-003": "Success",
        "cell-004": "Skipped",
    }
    assert final["progress"]["totalCells"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"executionMode": "range"}, "cellRange"),
        ({"cellRange": {"startCell": "cell-001", "endCell": "nope"}}, "cellRange.endCell"),
        ({"cellRange": {"startCell": "cell-002", "endCell": "cell-001"}}, "cellRange.endCell"),
        ({"cellRange": {"startCell": "cell-001"}}, "cellRange.endCell"),
        ({"executionMode": "some"}, "executionMode"),
        ({"priority": "Urgent"}, "priority"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "long"}, "timeout"),
        ({"parameters": []}, "parameters"),
        ({"parameters": {"not valid": 1}}, "parameters"),
        ({"outputOptions": {"zip": True}}, "outputOptions.zip"),
        ({"stopOnError": "yes"}, "stopOnError"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_bad_execute_requests_are_400(api, body, field):
    notebook = await notebook_with(api, "print(1)")
    assert_problem(
        await api("POST", project_path("notebook", notebook["notebookId"], "execute"), body), 400, field=field
    )
    history = (await api("GET", project_path("notebook", notebook["notebookId"], "executions"))).json
    assert history["totalCount"] == 0


async def test_executions_of_other_projects_are_404(api):
    notebook = await notebook_with(api, "print(1)")
    accepted = await execute(api, notebook)
    await wait_for(api, notebook["notebookId"], accepted["executionId"])
    for path in (
        project_path(
            "notebook", notebook["notebookId"], "execution", accepted["executionId"], project=OTHER_PROJECT
        ),
        project_path(
            "notebook",
            notebook["notebookId"],
            "execution",
            accepted["executionId"],
            "results",
            project=OTHER_PROJECT,
        ),
        project_path("notebook", notebook["notebookId"], "executions", project=OTHER_PROJECT),
        project_path(
            "notebook",
            notebook["notebookId"],
            "execution",
            accepted["executionId"],
            "artifacts",
            "executed.ipynb",
            project=OTHER_PROJECT,
        ),
    ):
        assert_problem(await api("GET", path), 404)
    assert_problem(
        await api(
            "POST", project_path("notebook", notebook["notebookId"], "execute", project=OTHER_PROJECT), {}
        ),
        404,
    )
    assert_problem(
        await api("GET", project_path("notebook", notebook["notebookId"], "execution", "not-a-guid")),
        400,
        field="executionId",
    )


# -- results ------------------------------------------------------------------------------


async def test_results_filters_download_and_artifacts(api):
    notebook = await notebook_with(
        api,
        "from IPython.display import display, HTML\ndisplay(HTML('<b>table</b>'))",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
    )
    accepted = await execute(api, notebook)
    await wait_for(api, notebook["notebookId"], accepted["executionId"])
    url = project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"])
    summary = (await api("GET", f"{url}/results")).json
    assert summary["counts"]["outputs"] == 2 and all(
        "content" not in o or o["content"] is None for o in summary["outputs"]
    )
    plots = (await api("GET", f"{url}/results", params={"outputType": "plots"})).json
    assert [o["outputType"] for o in plots["outputs"]] == ["image/png"]
    data = (await api("GET", f"{url}/results", params={"outputType": "data", "format": "detailed"})).json
    assert [o["contentType"] for o in data["outputs"]] == ["text/html"] and data["outputs"][0][
        "content"
    ] == "<b>table</b>"
    one_cell = (await api("GET", f"{url}/results", params={"cellId": "cell-003"})).json
    assert {o["cellId"] for o in one_cell["outputs"]} == {"cell-003"}
    assert_problem(await api("GET", f"{url}/results", params={"format": "xml"}), 400, field="format")
    assert_problem(
        await api("GET", f"{url}/results", params={"outputType": "everything"}), 400, field="outputType"
    )

    archive = await api("GET", f"{url}/results", params={"format": "download"})
    assert archive.status == 200 and archive.headers["Content-Type"] == "application/zip"
    assert archive.headers["Content-Disposition"].startswith("attachment")
    names = zipfile.ZipFile(io.BytesIO(archive.body)).namelist()
    assert "executed.ipynb" in names and any(n.endswith(".png") for n in names)

    html = data["outputs"][0]["downloadUrl"]
    assert html.startswith("http://") and f"/execution/{accepted['executionId']}/artifacts/" in html
    served = await api("GET", html.split("/a%40b/", 1)[1])
    assert served.headers["Content-Security-Policy"].startswith("sandbox")
    for name in ("nope.png", "..%2F..%2Fmindzie.db", ".hidden"):
        reply = await api("GET", f"{url}/artifacts/{name}")
        assert reply.status in (400, 404) and reply.content_type.startswith("application/problem+json")


async def test_history_is_paged_newest_first(api):
    notebook = await notebook_with(api, "print(1)")
    ids = []
    for _ in range(3):
        accepted = await execute(api, notebook)
        ids.append(accepted["executionId"])
        await wait_for(api, notebook["notebookId"], accepted["executionId"])
    page = (
        await api(
            "GET", project_path("notebook", notebook["notebookId"], "executions"), params={"pageSize": "2"}
        )
    ).json
    assert page["totalCount"] == 3 and page["hasNextPage"]
    assert [e["executionId"] for e in page["executions"]] == ids[::-1][:2]
    assert all(e["status"] == "Completed" and e["totalDuration"] for e in page["executions"])


class TestPriorityQueue:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieEngine": {"slots": 1}}

    async def test_high_before_normal_before_low_fifo_within_one(self, api, mindzie_app):
        blocker = await notebook_with(
            api, "import time\nfor _ in range(600):\n    time.sleep(0.1)", name="blocker"
        )
        quick = await notebook_with(api, "print('quick')", name="quick")
        first = await execute(api, blocker)
        await wait_for(api, blocker["notebookId"], first["executionId"], lambda s: s["phase"] == "Executing")
        order = ["Low", "Normal", "High", "Normal"]
        waiting = [await execute(api, quick, {"priority": p}) for p in order]
        positions = [
            (await status(api, quick["notebookId"], w["executionId"]))["queuePosition"] for w in waiting
        ]
        assert positions == [4, 2, 1, 3]
        assert all(w["phase"] == "Queued" and w["status"] == "Running" for w in waiting)
        await api(
            "POST",
            project_path("notebook", blocker["notebookId"], "execution", first["executionId"], "cancel"),
        )
        finals = [await wait_for(api, quick["notebookId"], w["executionId"]) for w in waiting]
        ended = sorted(
            range(4),
            key=lambda i: (
                finals[i]["endTime"] + mindzie_app.store.get_execution(finals[i]["executionId"])["end_time"]
            ),
        )
        assert ended == [2, 1, 3, 0]

    async def test_a_queued_execution_can_be_cancelled(self, api):
        blocker = await notebook_with(
            api, "import time\nfor _ in range(600):\n    time.sleep(0.1)", name="blocker"
        )
        first = await execute(api, blocker)
        queued = await execute(api, blocker)
        reply = await api(
            "POST",
            project_path("notebook", blocker["notebookId"], "execution", queued["executionId"], "cancel"),
        )
        assert reply.status == 202 and reply.json["status"] == "Cancelled"
        assert all(c["status"] == "Skipped" for c in reply.json["cellResults"])
        await api(
            "POST",
            project_path("notebook", blocker["notebookId"], "execution", first["executionId"], "cancel"),
        )
        assert (await wait_for(api, blocker["notebookId"], first["executionId"]))["status"] == "Cancelled"


# -- what a notebook leaves behind ----------------------------------------------------------


async def test_an_artifact_replaced_by_a_link_or_by_bytes_that_are_not_utf8_is_never_a_leak_or_a_500(
    api, mindzie_app
):
    notebook = await notebook_with(api, "print('hello')", "from IPython.display import JSON\nJSON({'a': 1})")
    accepted = await execute(api, notebook)
    await wait_for(api, notebook["notebookId"], accepted["executionId"])
    url = project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"])
    outputs = (await api("GET", f"{url}/results", params={"format": "detailed"})).json["outputs"]
    names = [o["downloadUrl"].rsplit("/", 1)[1] for o in outputs]
    folder = mindzie_app.engine.records.artifacts_dir(accepted["executionId"])
    secret = folder.parent / "secret.txt"
    secret.write_text("the server's own file")
    # what a forked child of the kernel could do once the run has collected its artifacts
    (folder / names[0]).unlink()
    (folder / names[0]).symlink_to(secret)
    (folder / names[1]).write_bytes(b'{"a": "\xff\xfe not utf-8"}')

    linked = await api("GET", f"{url}/artifacts/{names[0]}")
    assert_problem(linked, 404)
    assert b"server's own file" not in linked.body
    detailed = await api("GET", f"{url}/results", params={"format": "detailed"})
    assert detailed.status == 200, detailed.body
    assert b"server's own file" not in detailed.body
    archive = await api("GET", f"{url}/results", params={"format": "download"})
    assert names[0] not in zipfile.ZipFile(io.BytesIO(archive.body)).namelist()


async def test_processes_a_notebook_starts_are_stopped_at_the_runs_end(api, tmp_path):
    """Daemons too: a setsid child, a double-forked one (reparented at once), a new session's program."""
    pid_folder = tmp_path / "pids"
    pid_folder.mkdir()
    source = f"""
import os, subprocess, time
folder = {str(pid_folder)!r}

def daemon(name, double):
    if os.fork() == 0:
        os.setsid()
        if double and os.fork() != 0:
            os._exit(0)
        open(os.path.join(folder, name), 'w').write(str(os.getpid()))
        time.sleep(600)
        os._exit(0)

daemon('setsid', False)
daemon('double', True)
child = subprocess.Popen(['sleep', '600'], start_new_session=True)
open(os.path.join(folder, 'program'), 'w').write(str(child.pid))
while len(os.listdir(folder)) < 3:
    time.sleep(0.01)
"""
    notebook = await notebook_with(api, source)
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed" and final["cellResults"][1]["status"] == "Success", final
    pids = {path.name: int(path.read_text()) for path in pid_folder.iterdir()}
    try:
        assert set(pids) == {"setsid", "double", "program"}
        assert await no_kernels_left(api)
        end = time.monotonic() + 15
        while alive := {name for name, pid in pids.items() if _running(pid)}:
            assert time.monotonic() < end, f"still running after the run: {alive}"
            await asyncio.sleep(0.05)
    finally:  # a failure must not leave the test's own daemons behind
        for pid in pids.values():
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
