"""Datasets: CSV and Parquet uploads, list, get and delete, each scoped to a tenant's project."""

from __future__ import annotations

import io
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mindzie.demo import COLUMNS, demo_event_log_rows, write_demo_event_log

from .support import (
    DATASET,
    OTHER_PROJECT,
    OTHER_TENANT,
    PROJECT,
    TENANT,
    assert_problem,
    multipart,
    project_path,
    upload,
)


def demo_csv(tmp_path: Path) -> bytes:
    return write_demo_event_log(tmp_path / "demo_event_log.csv").read_bytes()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def small_csv(rows: int = 3) -> bytes:
    return ("case_id,activity\n" + "".join(f"C{n},A\n" for n in range(rows))).encode()


def stored(mindzie_app: Any) -> list[str]:
    """Everything in the datasets folder, staging and deleted folders included."""
    return sorted(os.listdir(mindzie_app.datasets.datasets_dir))


# -- upload ---------------------------------------------------------------------------------


async def test_upload_the_demo_event_log_as_csv(api, mindzie_app, tmp_path):
    data = demo_csv(tmp_path)
    reply = await upload(api, data, "demo_event_log.csv")
    assert reply.status == 201, reply.body
    dataset = reply.json
    assert reply.headers["Location"].endswith(f"/api/{TENANT}/{PROJECT}/dataset/{dataset['datasetId']}")
    assert dataset["datasetId"] == dataset["datasetId"].lower() and len(dataset["datasetId"]) == 36
    assert dataset["name"] == "demo_event_log"
    assert dataset["format"] == "csv"
    assert dataset["columns"] == list(COLUMNS)
    assert dataset["recordCount"] == len(demo_event_log_rows())
    # the dtypes pandas gives the kernel that loads the file
    expected_types = pd.read_csv(io.BytesIO(data)).dtypes
    assert dataset["columnTypes"] == {name: str(dtype) for name, dtype in expected_types.items()}
    assert dataset["columnTypes"]["amount"] == "int64"
    assert dataset["size"] == len(data) and dataset["dateCreated"].endswith("Z")
    assert dataset["tenantId"] == TENANT and dataset["projectId"] == PROJECT and dataset["createdBy"]

    folder = Path(mindzie_app.datasets.datasets_dir) / dataset["datasetId"]
    assert (folder / "data.csv").read_bytes() == data
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    assert {
        k: meta[k]
        for k in ("datasetId", "tenantId", "projectId", "name", "format", "file", "columns", "recordCount")
    } == {
        "datasetId": dataset["datasetId"],
        "tenantId": TENANT,
        "projectId": PROJECT,
        "name": "demo_event_log",
        "format": "csv",
        "file": "data.csv",
        "columns": list(COLUMNS),
        "recordCount": dataset["recordCount"],
    }
    assert stored(mindzie_app) == [dataset["datasetId"]]

    assert dataset["delimiter"] == "," and dataset["validation"] == {"warnings": []}
    got = await api("GET", project_path("dataset", dataset["datasetId"]))
    upload_only = {"delimiter", "validation"}
    assert got.status == 200 and got.json == {k: v for k, v in dataset.items() if k not in upload_only}


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolons"), ("\t", "tabs"), ("|", "pipes")])
async def test_a_csv_with_another_delimiter_is_read_as_its_columns(api, mindzie_app, delimiter, name):
    rows = [
        ["case_id", "activity", "timestamp", "amount"],
        ["C1", "Submit; online", "2024-01-02 09:00:00", "1,5"],  # a quoted delimiter, a decimal comma
        ["C1", "Review", "2024-01-03 10:00:00", "2"],
        ["C2", "Submit", "2024-01-04 11:00:00", "3"],
    ]
    text = "\r\n".join(
        delimiter.join(f'"{v}"' if (delimiter in v or "," in v) else v for v in row) for row in rows
    )
    reply = await upload(api, text.encode("utf-8"), f"{name}.csv")
    assert reply.status == 201, reply.body
    dataset = reply.json
    assert dataset["columns"] == rows[0] and dataset["recordCount"] == 3
    assert dataset["delimiter"] == delimiter and dataset["validation"]["warnings"] == []
    # stored with commas: the kernel's pandas.read_csv reads it as uploaded
    stored_file = Path(mindzie_app.datasets.datasets_dir) / dataset["datasetId"] / "data.csv"
    frame = pd.read_csv(stored_file, dtype=str)
    assert frame.values.tolist() == rows[1:]


async def test_a_semicolon_csv_in_cp932_is_decoded_and_split(api):
    text = "ケースID;アクティビティ;タイムスタンプ\nC1;受付;2024-01-02 09:00\nC1;審査;2024-01-03 09:00\n"
    reply = await upload(api, text.encode("cp932"), "japanese.csv")
    assert reply.status == 201, reply.body
    assert reply.json["columns"] == ["ケースID", "アクティビティ", "タイムスタンプ"]
    assert reply.json["encoding"] == "cp932" and reply.json["delimiter"] == ";"
    assert reply.json["validation"]["warnings"] == []


@pytest.mark.parametrize(
    ("header", "missing"),
    [("name,price,colour", "case id / activity / timestamp"), ("case_id,price,created_at", "activity")],
)
async def test_a_table_that_does_not_look_like_an_event_log_is_accepted_with_a_warning(api, header, missing):
    reply = await upload(api, f"{header}\n1,2,3\n".encode(), "table.csv")
    assert reply.status == 201, reply.body
    (warning,) = reply.json["validation"]["warnings"]
    assert warning["code"] == "not-an-event-log" and warning["field"] == "file"
    assert f"no column looks like {missing} of an event log" in warning["message"]
    assert header.replace(",", ", ") in warning["message"]


async def test_a_one_column_csv_stays_one_column(api):
    reply = await upload(api, b"case_id\nC1\nC2\n", "ids.csv")
    assert reply.status == 201 and reply.json["columns"] == ["case_id"] and reply.json["delimiter"] == ","


async def test_upload_parquet_reads_schema_and_count(api, mindzie_app):
    frame = pd.DataFrame(
        {
            "case_id": ["C1", "C1", "C2"],
            "activity": ["Submit", "Approve", "Submit"],
            "timestamp": pd.to_datetime(["2024-01-02 08:00", "2024-01-03 09:30", "2024-01-04 10:00"]),
            "amount": [2500.0, 2500.0, None],
        }
    )
    data = parquet_bytes(frame)
    reply = await upload(api, data, "loans.parquet", name="Loan events 2024")
    assert reply.status == 201, reply.body
    dataset = reply.json
    assert dataset["name"] == "Loan events 2024" and dataset["format"] == "parquet"
    assert dataset["columns"] == ["case_id", "activity", "timestamp", "amount"]
    assert dataset["recordCount"] == 3
    assert dataset["columnTypes"]["amount"] == "float64"
    assert dataset["columnTypes"]["timestamp"].startswith("datetime64")
    folder = Path(mindzie_app.datasets.datasets_dir) / dataset["datasetId"]
    assert (folder / "data.parquet").read_bytes() == data
    assert json.loads((folder / "meta.json").read_text("utf-8"))["file"] == "data.parquet"


@pytest.mark.parametrize("filename", [None, "", "export", "export.csv"])
async def test_parquet_is_known_by_its_magic_bytes_whatever_the_name(api, filename):
    reply = await upload(api, parquet_bytes(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})), filename)
    assert reply.status == 201, reply.body
    assert reply.json["format"] == "parquet" and reply.json["columns"] == ["a", "b"]
    assert reply.json["name"] == ("export" if filename else "dataset")


async def test_a_header_only_csv_is_a_dataset_without_records(api):
    reply = await upload(api, b"case_id,activity,timestamp\n")
    assert reply.status == 201, reply.body
    assert reply.json["recordCount"] == 0 and reply.json["columns"] == ["case_id", "activity", "timestamp"]


async def test_names_come_from_the_file_name_without_folders(api, mindzie_app):
    reply = await upload(api, small_csv(), "..\\..\\exports/../evil events.v2.csv")
    assert reply.status == 201, reply.body
    assert reply.json["name"] == "evil events.v2"
    assert stored(mindzie_app) == [reply.json["datasetId"]]


# -- bad uploads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "needle"),
    [
        (b"", "events.csv", "empty"),
        (b"\n\n   \n", "events.csv", "no columns"),
        (os.urandom(2048) + b"\x00\x01", "junk.bin", ".bin"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512), "events.csv", "binary"),
        (b"PK\x03\x04" + bytes(range(256)) * 4, "events", "binary"),
        ("case_id,activité\nC1,révision\n".encode("latin-1"), "events.csv", "UTF-8"),
        (b"case_id,activity\nC1,A\nC2,B,extra,fields\n", "events.csv", "not a readable CSV"),
        (b"case_id,activity\nC1,A\n", "events.parquet", "not a Parquet file"),
        (b"PAR1" + os.urandom(64) + b"PAR1", "events.parquet", "not a readable Parquet file"),
        (b'{"case_id": "C1"}', "events.json", ".json"),
    ],
)
async def test_unreadable_files_are_400_naming_file(api, mindzie_app, data, filename, needle):
    problem = assert_problem(
        await upload(api, data, filename), 400, field="file", problem_type="invalid-request"
    )
    assert needle in problem["detail"], problem
    assert (await api("GET", project_path("datasets"))).json["totalCount"] == 0
    assert stored(mindzie_app) == []


async def test_a_missing_extra_or_plain_json_file_part_is_400(api):
    none, headers = multipart({"name": "x"}, [])
    assert_problem(await api("POST", project_path("dataset"), raw=none, headers=headers), 400, field="file")
    two, headers = multipart({}, [("file", "a.csv", small_csv()), ("file", "b.csv", small_csv())])
    assert_problem(await api("POST", project_path("dataset"), raw=two, headers=headers), 400, field="file")
    extra, headers = multipart({}, [("file", "a.csv", small_csv()), ("attachment", "b.csv", small_csv())])
    assert_problem(
        await api("POST", project_path("dataset"), raw=extra, headers=headers), 400, field="attachment"
    )
    assert_problem(await api("POST", project_path("dataset"), {"file": "case_id\nC1\n"}), 400, field="file")
    assert (await api("GET", project_path("datasets"))).json["totalCount"] == 0


async def test_a_file_field_without_a_file_name_is_taken_as_the_file(api):
    reply = await upload(api, small_csv(2), None, name="pasted")
    assert reply.status == 201, reply.body
    assert reply.json["name"] == "pasted" and reply.json["recordCount"] == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"nmae": "typo"}, "nmae"),
    ],
)
async def test_bad_form_fields_are_400(api, mindzie_app, fields, field):
    assert_problem(await upload(api, small_csv(), **fields), 400, field=field)
    assert stored(mindzie_app) == []


class TestSizeLimit:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieDatasetLibrary": {"max_upload_size": 4096}}

    async def test_over_the_limit_is_413(self, api, mindzie_app):
        problem = assert_problem(
            await upload(api, small_csv(1000)), 413, field="file", problem_type="payload-too-large"
        )
        assert "4096" in problem["detail"]
        assert stored(mindzie_app) == []
        assert (await upload(api, small_csv(3))).status == 201

    async def test_a_chunked_upload_is_cut_off_at_the_limit(self, jp_fetch, mindzie_app):
        """Without a Content-Length the size is only known as the body streams: still a 413."""
        body, headers = multipart({}, [("file", "big.csv", small_csv(2000))])

        async def produce(write):
            for start in range(0, len(body), 1024):
                await write(body[start : start + 1024])

        with pytest.raises(HTTPClientError) as raised:
            await jp_fetch(
                *project_path("dataset").split("/"),
                method="POST",
                body_producer=produce,
                headers=headers,
            )
        assert raised.value.code == 413
        assert json.loads(raised.value.response.body)["errors"][0]["field"] == "file"
        assert stored(mindzie_app) == []


class TestConfiguredFolder:
    @pytest.fixture
    def mindzie_config(self, tmp_path):
        return {"MindzieDatasetLibrary": {"datasets_dir": str(tmp_path / "shared" / "datasets")}}

    async def test_files_go_to_the_configured_folder(self, api, mindzie_app, tmp_path):
        assert mindzie_app.datasets.datasets_dir == str(tmp_path / "shared" / "datasets")
        reply = await upload(api, small_csv())
        assert reply.status == 201, reply.body
        assert (
            tmp_path / "shared" / "datasets" / reply.json["datasetId"] / "data.csv"
        ).read_bytes() == small_csv()


# -- list -----------------------------------------------------------------------------------


async def test_list_is_paged_newest_first_and_scoped(api):
    ids = []
    for number in range(3):
        reply = await upload(api, small_csv(number + 1), f"events-{number}.csv")
        assert reply.status == 201, reply.body
        ids.append(reply.json["datasetId"])
    assert (await upload(api, small_csv(), tenant=OTHER_TENANT)).status == 201
    assert (await upload(api, small_csv(), project=OTHER_PROJECT)).status == 201

    first = (await api("GET", project_path("datasets"), params={"pageSize": 2})).json
    assert [d["datasetId"] for d in first["datasets"]] == [ids[2], ids[1]]
    assert {k: first[k] for k in ("totalCount", "page", "pageSize", "hasNextPage")} == {
        "totalCount": 3,
        "page": 1,
        "pageSize": 2,
        "hasNextPage": True,
    }
    assert set(first["datasets"][0]) >= {
        "datasetId",
        "name",
        "recordCount",
        "columns",
        "format",
        "dateCreated",
    }
    assert first["datasets"][0]["name"] == "events-2" and first["datasets"][0]["recordCount"] == 3
    second = (await api("GET", project_path("datasets"), params={"page": 2, "pageSize": 2})).json
    assert [d["datasetId"] for d in second["datasets"]] == [ids[0]] and second["hasNextPage"] is False
    default = (await api("GET", project_path("datasets"))).json
    assert default["pageSize"] == 20 and default["totalCount"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageSize": "0"}, "pageSize"),
        ({"pageSize": "101"}, "pageSize"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
    ],
)
async def test_list_rejects_bad_paging(api, params, field):
    assert_problem(await api("GET", project_path("datasets"), params=params), 400, field=field)


# -- get and delete -------------------------------------------------------------------------


async def test_delete_removes_row_and_files(api, mindzie_app):
    dataset = (await upload(api, small_csv())).json
    folder = Path(mindzie_app.datasets.datasets_dir) / dataset["datasetId"]
    assert folder.is_dir()
    reply = await api("DELETE", project_path("dataset", dataset["datasetId"]))
    assert reply.status == 204 and not reply.body
    assert not folder.exists() and stored(mindzie_app) == []
    assert_problem(
        await api("GET", project_path("dataset", dataset["datasetId"])), 404, problem_type="dataset-not-found"
    )
    assert_problem(
        await api("DELETE", project_path("dataset", dataset["datasetId"])),
        404,
        problem_type="dataset-not-found",
    )
    assert (await api("GET", project_path("datasets"))).json["totalCount"] == 0


@pytest.mark.parametrize(("tenant", "project"), [(OTHER_TENANT, PROJECT), (TENANT, OTHER_PROJECT)])
async def test_another_tenant_or_project_sees_404(api, mindzie_app, tenant, project):
    dataset = (await upload(api, small_csv())).json
    for method in ("GET", "DELETE"):
        hidden = await api(
            method, project_path("dataset", dataset["datasetId"], tenant=tenant, project=project)
        )
        missing = await api(method, project_path("dataset", DATASET, tenant=tenant, project=project))
        assert_problem(hidden, 404, problem_type="dataset-not-found")
        assert hidden.json == missing.json | {
            "detail": hidden.json["detail"],
            "message": hidden.json["message"],
        }
    assert (Path(mindzie_app.datasets.datasets_dir) / dataset["datasetId"] / "data.csv").is_file()
    assert (await api("GET", project_path("dataset", dataset["datasetId"]))).status == 200


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_a_dataset_id_that_is_not_a_guid_is_400(api, method):
    assert_problem(await api(method, project_path("dataset", "not-a-guid")), 400, field="datasetId")


async def test_ids_are_case_insensitive(api):
    dataset = (await upload(api, small_csv())).json
    reply = await api("GET", project_path("dataset", dataset["datasetId"].upper(), tenant=TENANT.upper()))
    assert reply.status == 200 and reply.json["datasetId"] == dataset["datasetId"]


# -- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", project_path("datasets")),
        ("POST", project_path("dataset")),
        ("GET", project_path("dataset", DATASET)),
        ("DELETE", project_path("dataset", DATASET)),
    ],
)
async def test_every_dataset_endpoint_needs_authentication(api, method, path):
    reply = await api(
        method, path, raw=small_csv() if method == "POST" else None, headers={"Authorization": "token wrong"}
    )
    assert_problem(reply, 403)


# -- tables a run published become datasets ------------------------------------------------

PUBLISH = (
    "import pandas as pd\n"
    "from mindzie_sdk import load_dataset, publish_enriched\n"
    "log = load_dataset()\n"
    "log['double'] = log.index * 2\n"
    "publish_enriched(log, 'doubled'{register})"
)


async def run_publishing(
    api: Any, dataset_id: str, body: dict[str, Any], register: str = ""
) -> dict[str, Any]:
    from .support import execute, notebook_with, wait_for

    notebook = await notebook_with(api, PUBLISH.format(register=register), parameters="dataset_id = None")
    reply = await api(
        "PUT",
        project_path("notebook", notebook["notebookId"]),
        {"integration": {"datasetBinding": dataset_id}},
    )
    assert reply.status == 200, reply.body
    accepted = await execute(api, notebook, body)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed" and final["progress"]["failedCells"] == 0, final
    return final


async def listed(api: Any) -> list[dict[str, Any]]:
    reply = await api("GET", project_path("datasets"))
    assert reply.status == 200
    return reply.json["datasets"]


async def test_a_published_table_becomes_a_dataset_with_its_lineage(api, mindzie_app):
    source = (await upload(api, small_csv(4), "events.csv")).json
    assert source["source"] is None and source["newColumns"] == []
    final = await run_publishing(api, source["datasetId"], {})

    datasets = await listed(api)
    assert len(datasets) == 2
    made = datasets[0]  # newest first
    assert made["source"] == {
        "executionId": final["executionId"],
        "notebookId": final["notebookId"],
        "datasetId": source["datasetId"],
    }
    assert made["name"] == f"doubled (run {final['executionId'][:8]})"
    assert made["newColumns"] == ["double"] and made["columns"] == ["case_id", "activity", "double"]
    assert made["recordCount"] == 4 and made["format"] == "csv"
    one = (await api("GET", project_path("dataset", made["datasetId"]))).json
    assert one["source"] == made["source"] and one["columnTypes"]["double"] == "int64"

    # bound to another notebook, a run loads it like any dataset
    again = await run_publishing(api, made["datasetId"], {})
    third = (await listed(api))[0]
    assert (
        third["source"]["datasetId"] == made["datasetId"]
        and third["source"]["executionId"] == again["executionId"]
    )
    assert third["columns"] == ["case_id", "activity", "double"] and third["newColumns"] == []

    # the dataset outlives its execution's artifacts
    await mindzie_app.engine.records.remove_artifacts([final["executionId"]])
    folder = Path(mindzie_app.datasets.datasets_dir) / made["datasetId"]
    assert pd.read_csv(folder / "data.csv")["double"].tolist() == [0, 2, 4, 6]
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    assert meta["source"] == made["source"] and meta["newColumns"] == ["double"]


@pytest.mark.parametrize(
    ("body", "register"),
    [
        ({"outputOptions": {"saveIntermediateResults": False}}, ""),
        ({}, ", register=False"),
    ],
    ids=["saveIntermediateResults-false", "register-false"],
)
async def test_registration_can_be_declined(api, body, register):
    source = (await upload(api, small_csv(2), "events.csv")).json
    final = await run_publishing(api, source["datasetId"], body, register)
    assert [d["datasetId"] for d in await listed(api)] == [source["datasetId"]]
    results = await api(
        "GET", project_path("notebook", final["notebookId"], "execution", final["executionId"], "results")
    )
    (table,) = results.json["enrichedDatasets"]  # still an artifact of the run
    assert table["name"] == "doubled" and table["downloadUrl"]


# -- large uploads stream to disk -------------------------------------------------------------


def write_event_log_upload(folder: Path, rows: int) -> tuple[Path, str, int]:
    """A multipart body (in a file) holding an event-log CSV of `rows` events; (body, boundary, csv size)."""
    boundary = uuid.uuid4().hex
    body = folder / "upload.body"
    activities = ["Submit", "Review", "Approve", "Reject", "Pay", "Archive"]
    with body.open("w", encoding="utf-8", newline="") as out:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nbig log\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        )
        start = out.tell()
        out.write("case_id,activity,timestamp,resource,amount\n")
        lines = (
            f"LA-{n // 6:06d},{activities[n % 6]},2024-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:"
            f"{n % 60:02d}:00,clerk-{n % 17:03d}@claims,{n % 9000}\n"
            for n in range(rows)
        )
        out.writelines(lines)
        size = out.tell() - start
        out.write(f"\r\n--{boundary}--\r\n")
    return body, boundary, size


def test_a_large_upload_streams_to_disk_in_bounded_server_memory(tmp_path: Path):
    """1,000,000 events (about 60 MB): the server's RSS grows by at most 64 MB while it uploads."""
    import threading
    import time

    import psutil
    import requests

    from .support import Server

    root = tmp_path / "root"
    root.mkdir()
    server = Server(root, "--MindzieKernelPool.size=0")
    body, boundary, csv_size = write_event_log_upload(tmp_path, 1_000_000)
    assert csv_size > 50 * 2**20
    headers = {**server.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    url = f"{server.api}/dataset"
    server.start()
    try:
        process = psutil.Process(server.process.pid)
        small, small_headers = multipart({}, [("file", "small.csv", small_csv(10))])
        warm = requests.post(url, data=small, headers={**server.headers, **small_headers}, timeout=60)
        assert warm.status_code == 201, warm.text  # the first upload imports pandas: not the upload's cost
        before = process.memory_info().rss
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], process.memory_info().rss)
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            with body.open("rb") as stream:  # requests streams a file body; the client holds little
                reply = requests.post(url, data=stream, headers=headers, timeout=300)
        finally:
            done.set()
            sampler.join()
        assert reply.status_code == 201, reply.text
        dataset = reply.json()
        assert dataset["recordCount"] == 1_000_000
        assert dataset["columns"] == ["case_id", "activity", "timestamp", "resource", "amount"]
        growth = (peak[0] - before) / 2**20
        assert growth <= 64, f"server RSS grew by {growth:.0f} MB for a {csv_size / 2**20:.0f} MB upload"
        stored_file = root / ".mindzie" / "datasets" / dataset["datasetId"] / "data.csv"
        assert stored_file.stat().st_size == csv_size
        assert not [p for p in stored_file.parent.parent.iterdir() if p.name.startswith(".staging-")]
    finally:
        server.stop()
