"""A dataset's content through a real server: its preview, its download, the client and the CLI."""

from __future__ import annotations

import asyncio
import codecs
import io
import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest

from jupyter_mindzie.client import BadRequest, MindzieClient, NotFound

from .support import (
    DATASET,
    OTHER_PROJECT,
    OTHER_TENANT,
    PROJECT,
    TENANT,
    assert_problem,
    execute,
    notebook_with,
    project_path,
    upload,
    wait_for,
)

BOM = codecs.BOM_UTF8
JAPANESE = (
    "ケースID,アクティビティ,タイムスタンプ,金額\n"
    "C1,受付,2024-01-02 09:00:00,1000\n"
    "C1,審査,2024-01-03 10:30:00,\n"
    "C2,受付,2024-01-04 11:00:00,2500\n"
)


def numbered_csv(rows: int) -> bytes:
    return ("case_id,activity,n\n" + "".join(f"C{i},A,{i}\n" for i in range(rows))).encode()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


async def preview(api: Any, dataset_id: str, **params: Any) -> Any:
    return await api("GET", project_path("dataset", dataset_id, "preview"), params=params)


async def download(api: Any, dataset_id: str, **params: Any) -> Any:
    return await api("GET", project_path("dataset", dataset_id, "download"), params=params)


# -- preview --------------------------------------------------------------------------------


async def test_preview_answers_typed_columns_and_the_first_rows(api):
    dataset = (await upload(api, JAPANESE.encode("utf-8"), "events.csv")).json
    reply = await preview(api, dataset["datasetId"])
    assert reply.status == 200, reply.body
    assert reply.json == {
        "datasetId": dataset["datasetId"],
        "name": "events",
        "format": "csv",
        "recordCount": 3,
        "columns": [
            {"name": "ケースID", "type": "str"},
            {"name": "アクティビティ", "type": "str"},
            {"name": "タイムスタンプ", "type": "str"},
            {"name": "金額", "type": "float64"},
        ],
        "rows": [
            ["C1", "受付", "2024-01-02 09:00:00", 1000],
            ["C1", "審査", "2024-01-03 10:30:00", None],  # a missing value is null
            ["C2", "受付", "2024-01-04 11:00:00", 2500],
        ],
        "truncated": False,
    }


async def test_preview_is_bounded_by_default_and_by_rows(api):
    dataset = (await upload(api, numbered_csv(600))).json
    default = (await preview(api, dataset["datasetId"])).json
    assert len(default["rows"]) == 20 and default["truncated"] and default["recordCount"] == 600
    # the column's type is the whole file's, as the kernel loads it, not the first rows' guess
    assert default["columns"][2] == {"name": "n", "type": "int64"}
    assert [r[2] for r in (await preview(api, dataset["datasetId"], rows=3)).json["rows"]] == [0, 1, 2]
    largest = (await preview(api, dataset["datasetId"], rows=500)).json
    assert len(largest["rows"]) == 500 and largest["rows"][-1] == ["C499", "A", 499]


@pytest.mark.parametrize("rows", ["0", "501", "-1", "ten", "1.5"])
async def test_a_bad_rows_is_400_naming_rows(api, rows):
    dataset = (await upload(api, numbered_csv(3))).json
    assert_problem(await preview(api, dataset["datasetId"], rows=rows), 400, field="rows")


async def test_a_parquet_dataset_previews_with_its_own_types(api):
    frame = pd.DataFrame(
        {
            "case_id": ["C1", "C2"],
            "at": pd.to_datetime(["2024-01-02 09:00:00", "2024-01-03 10:00:00"]),
            "amount": [1.5, float("nan")],
            "flag": [True, False],
        }
    )
    dataset = (await upload(api, parquet_bytes(frame), "log.parquet")).json
    reply = (await preview(api, dataset["datasetId"], rows=1)).json
    assert [c["type"] for c in reply["columns"]] == ["str", "datetime64[us]", "float64", "bool"]
    assert reply["rows"] == [["C1", "2024-01-02T09:00:00", 1.5, True]] and reply["truncated"]


# -- download -------------------------------------------------------------------------------


async def test_a_shift_jis_upload_downloads_as_utf8_with_a_bom(api, mindzie_app):
    dataset = (await upload(api, JAPANESE.encode("cp932"), "japanese.csv", name="審査ログ")).json
    assert dataset["encoding"] == "cp932"
    reply = await download(api, dataset["datasetId"])
    assert reply.status == 200, reply.body
    assert reply.body == BOM + JAPANESE.encode("utf-8")
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.headers["Content-Length"] == str(len(reply.body))
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    # RFC 6266 with RFC 5987's filename* for the Japanese name, an ASCII stand-in beside it
    assert reply.headers["Content-Disposition"] == (
        f'attachment; filename="dataset-{dataset["datasetId"][:8]}.csv"; '
        f"filename*=UTF-8''{quote('審査ログ.csv')}"
    )
    frame = pd.read_csv(io.BytesIO(reply.body), encoding="utf-8-sig")
    assert list(frame.columns) == ["ケースID", "アクティビティ", "タイムスタンプ", "金額"]
    assert frame["アクティビティ"].tolist() == ["受付", "審査", "受付"]
    # the stored file itself stays plain UTF-8, as kernels read it
    stored = Path(mindzie_app.datasets.datasets_dir) / dataset["datasetId"] / "data.csv"
    assert stored.read_bytes() == JAPANESE.encode("utf-8")


async def test_a_large_csv_downloads_whole_across_chunks(api):
    data = numbered_csv(60_000)  # about 1 MB: several of the server's chunks
    dataset = (await upload(api, data, "big.csv")).json
    reply = await download(api, dataset["datasetId"])
    assert reply.status == 200 and reply.body == BOM + data
    assert reply.headers["Content-Disposition"] == 'attachment; filename="big.csv"'


async def test_parquet_downloads_as_stored_or_as_csv(api):
    frame = pd.DataFrame({"ケース": ["C1", "C2", "C3"], "n": [1, 2, 3]})
    data = parquet_bytes(frame)
    dataset = (await upload(api, data, "log.parquet")).json
    stored = await download(api, dataset["datasetId"])
    assert stored.status == 200 and stored.body == data
    assert stored.headers["Content-Type"] == "application/vnd.apache.parquet"
    assert stored.headers["Content-Disposition"] == 'attachment; filename="log.parquet"'
    as_csv = await download(api, dataset["datasetId"], format="csv")
    assert as_csv.status == 200 and as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv.body == BOM + "ケース,n\nC1,1\nC2,2\nC3,3\n".encode()
    assert as_csv.headers["Content-Disposition"] == 'attachment; filename="log.csv"'


async def test_a_csv_dataset_is_not_converted_to_parquet(api):
    dataset = (await upload(api, numbered_csv(2))).json
    assert_problem(await download(api, dataset["datasetId"], format="parquet"), 400, field="format")
    assert_problem(await download(api, dataset["datasetId"], format="xlsx"), 400, field="format")
    assert (await download(api, dataset["datasetId"], format="csv")).status == 200


# -- tables a run published -----------------------------------------------------------------

ENRICH = (
    "from mindzie_sdk import load_dataset, publish_enriched\n"
    "log = load_dataset()\n"
    "log['件数'] = log.index + 1\n"
    "publish_enriched(log, '強化')"
)


async def test_an_enriched_dataset_of_a_run_is_previewed_and_downloaded(api):
    source = (await upload(api, JAPANESE.encode("cp932"), "japanese.csv")).json
    notebook = await notebook_with(api, ENRICH, parameters="dataset_id = None")
    bound = await api(
        "PUT",
        project_path("notebook", notebook["notebookId"]),
        {"integration": {"datasetBinding": source["datasetId"]}},
    )
    assert bound.status == 200, bound.body
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed", final
    listed = (await api("GET", project_path("datasets"))).json["datasets"]
    enriched = next(d for d in listed if d["source"])
    assert enriched["source"]["executionId"] == final["executionId"]

    shown = (await preview(api, enriched["datasetId"], rows=2)).json
    assert [c["name"] for c in shown["columns"]] == [
        "ケースID",
        "アクティビティ",
        "タイムスタンプ",
        "金額",
        "件数",
    ]
    assert shown["columns"][-1]["type"] == "int64"
    assert shown["rows"] == [
        ["C1", "受付", "2024-01-02 09:00:00", 1000, 1],
        ["C1", "審査", "2024-01-03 10:30:00", None, 2],
    ]
    assert shown["truncated"] and shown["recordCount"] == 3

    got = await download(api, enriched["datasetId"])
    assert got.status == 200 and got.body.startswith(BOM)
    frame = pd.read_csv(io.BytesIO(got.body), encoding="utf-8-sig")
    assert frame["件数"].tolist() == [1, 2, 3] and frame["アクティビティ"].tolist() == [
        "受付",
        "審査",
        "受付",
    ]
    assert f"filename*=UTF-8''{quote(enriched['name'] + '.csv')}" in got.headers["Content-Disposition"]


# -- tenancy, ids, authentication -----------------------------------------------------------


@pytest.mark.parametrize("what", ["preview", "download"])
@pytest.mark.parametrize(("tenant", "project"), [(OTHER_TENANT, PROJECT), (TENANT, OTHER_PROJECT)])
async def test_another_tenant_or_project_sees_the_same_404(api, what, tenant, project):
    dataset = (await upload(api, numbered_csv(2))).json
    hidden = await api(
        "GET", project_path("dataset", dataset["datasetId"], what, tenant=tenant, project=project)
    )
    missing = await api("GET", project_path("dataset", DATASET, what, tenant=tenant, project=project))
    assert_problem(hidden, 404, problem_type="dataset-not-found")
    assert hidden.json == missing.json | {"detail": hidden.json["detail"], "message": hidden.json["message"]}
    assert_problem(
        await api("GET", project_path("dataset", DATASET, what)), 404, problem_type="dataset-not-found"
    )


@pytest.mark.parametrize("what", ["preview", "download"])
async def test_a_dataset_id_that_is_not_a_guid_is_400(api, what):
    assert_problem(await api("GET", project_path("dataset", "not-a-guid", what)), 400, field="datasetId")


@pytest.mark.parametrize("what", ["preview", "download"])
async def test_both_need_authentication(api, what):
    reply = await api("GET", project_path("dataset", DATASET, what), headers={"Authorization": "token wrong"})
    assert_problem(reply, 403)


async def test_a_deleted_datasets_file_is_a_404_not_a_500(api, mindzie_app):
    dataset = (await upload(api, numbered_csv(2))).json
    (Path(mindzie_app.datasets.datasets_dir) / dataset["datasetId"] / "data.csv").unlink()
    for what in ("preview", "download"):
        reply = await api("GET", project_path("dataset", dataset["datasetId"], what))
        assert_problem(reply, 404, problem_type="dataset-not-found")


# -- the client and the CLI -----------------------------------------------------------------


def client_round_trip(client: MindzieClient, folder: Path) -> None:
    source = folder / "source.csv"
    source.write_bytes(JAPANESE.encode("cp932"))
    dataset = client.upload_dataset(source, name="審査ログ")
    shown = client.preview_dataset(dataset["datasetId"], rows=1)
    assert shown["rows"] == [["C1", "受付", "2024-01-02 09:00:00", 1000]] and shown["truncated"]
    saved = client.download_dataset(dataset["datasetId"], folder)
    assert saved == folder / "審査ログ.csv"  # the name from filename*, decoded
    assert saved.read_bytes() == BOM + JAPANESE.encode("utf-8")
    assert (
        client.download_dataset(dataset["datasetId"], folder / "copy.csv").read_bytes() == saved.read_bytes()
    )
    assert not list(folder.glob(".*"))  # no partial download left behind
    with pytest.raises(BadRequest):
        client.preview_dataset(dataset["datasetId"], rows=0)
    with pytest.raises(NotFound):
        client.download_dataset(DATASET, folder)


async def test_the_client_previews_and_downloads(server_url, jp_serverapp, tmp_path):
    token = jp_serverapp.identity_provider.token
    with MindzieClient(server_url, TENANT, PROJECT, token) as client:
        await asyncio.to_thread(client_round_trip, client, tmp_path)


async def cli(*args: str | Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "jupyter_mindzie.cli",
        *map(str, args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_cli_previews_and_downloads(api, server_url, jp_serverapp, tmp_path):
    dataset = (await upload(api, JAPANESE.encode("utf-8"), "events.csv")).json
    token = jp_serverapp.identity_provider.token
    where = ["--url", server_url, "--token", token, "--tenant", TENANT, "--project", PROJECT]

    code, out, err = await cli("datasets", "preview", dataset["datasetId"], "--rows", "2", *where)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[1].split() == [
        "ケースID",
        "(str)",
        "アクティビティ",
        "(str)",
        "タイムスタンプ",
        "(str)",
        "金額",
        "(float64)",
    ]
    assert lines[2].split() == ["C1", "受付", "2024-01-02", "09:00:00", "1000.0"]
    assert lines[-1] == "2 of 3 rows; more with --rows"
    code, out, err = await cli("datasets", "preview", dataset["datasetId"], "--json", *where)
    assert code == 0 and len(json.loads(out)["rows"]) == 3, err

    code, out, err = await cli("datasets", "download", dataset["datasetId"], "--output", tmp_path, *where)
    assert code == 0, err
    assert (tmp_path / "events.csv").read_bytes() == BOM + JAPANESE.encode("utf-8")
    assert out.strip() == f"wrote {tmp_path / 'events.csv'} ({len(JAPANESE.encode()) + 3} bytes)"

    code, out, _ = await cli("datasets", *where)
    assert code == 0 and dataset["datasetId"] in out
    code, _, err = await cli("datasets", "preview", *where)
    assert code == 2 and "give the DATASET_ID" in err
    code, _, err = await cli("datasets", "download", DATASET, "--output", tmp_path, *where)
    assert code == 1 and "(HTTP 404)" in err
