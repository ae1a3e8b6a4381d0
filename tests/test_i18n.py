"""Japanese through the API: problems in the caller's language, Japanese data files end to end."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.pofile import read_po

from jupyter_mindzie.demo import demo_event_log_rows
from jupyter_mindzie.i18n import environment_language, negotiate

from .support import assert_problem, create, execute, project_path, upload, wait_for

ACCEPT_JA = {"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.8"}
ROOT = Path(__file__).parent.parent
LOCALE = ROOT / "jupyter_mindzie" / "locale"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def JA(jp_auth_header: dict[str, str]) -> dict[str, str]:
    """Headers of a Japanese client (jp_fetch sends its token only when given no headers)."""
    return {**jp_auth_header, **ACCEPT_JA}


def japanese(text: str) -> bool:
    return bool(JAPANESE.search(text))


# -- problems -------------------------------------------------------------------------------


async def test_a_validation_problem_in_japanese_keeps_type_and_field_names(api, JA):
    english = assert_problem(
        await api("GET", project_path("notebooks"), params={"pageSize": "0"}), 400, field="pageSize"
    )
    reply = await api("GET", project_path("notebooks"), params={"pageSize": "0"}, headers=JA)
    problem = assert_problem(reply, 400, field="pageSize", problem_type=english["type"])
    assert reply.headers["Content-Language"] == "ja"
    assert problem["title"] == "不正なリクエスト"
    assert japanese(problem["detail"]) and problem["message"] == problem["detail"]
    assert "pageSize" in problem["detail"]  # field names are never translated
    (error,) = problem["errors"]
    assert error["field"] == "pageSize" and error["message"] == "1 以上にしてください（受け取った値: 0）"
    assert not japanese(english["detail"]) and english["errors"][0]["message"] == "must be at least 1, got 0"


async def test_enum_values_stay_as_the_vendor_spells_them(api, JA):
    notebook = await create(api)
    reply = await api(
        "POST",
        project_path("notebook", notebook["notebookId"], "execute"),
        {"priority": "Urgent"},
        headers=JA,
    )
    problem = assert_problem(reply, 400, field="priority", problem_type="invalid-request")
    message = problem["errors"][0]["message"]
    assert japanese(message) and "Low, Normal, High" in message and "'Urgent'" in message


async def test_not_found_and_conflict_in_japanese(api, JA):
    missing = "00000000-0000-4000-8000-000000000000"
    problem = assert_problem(
        await api("GET", project_path("notebook", missing), headers=JA),
        404,
        problem_type="notebook-not-found",
    )
    assert problem["title"] == "見つかりません"
    assert (
        problem["detail"]
        == f"ノートブック {missing} はこのプロジェクトに見つからないか、アクセス権がありません"
    )

    notebook = await create(api)
    accepted = await execute(api, notebook)
    await wait_for(api, notebook["notebookId"], accepted["executionId"])
    cancel = project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "cancel")
    problem = assert_problem(await api("POST", cancel, headers=JA), 409, problem_type="execution-finished")
    assert problem["title"] == "競合" and "Completed" in problem["detail"] and japanese(problem["detail"])


async def test_a_guid_and_a_json_problem_in_japanese(api, JA):
    problem = assert_problem(
        await api("GET", project_path("notebook", "not-a-guid"), headers=JA), 400, field="notebookId"
    )
    assert problem["errors"][0]["message"].startswith("GUID（8-4-4-4-12 桁の 16 進数）で指定してください")
    problem = assert_problem(
        await api("POST", project_path("notebook"), raw="{", headers=JA), 400, field="body"
    )
    assert problem["errors"][0]["message"].startswith("正しい JSON ではありません")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("ja", "ja"),
        ("ja-JP", "ja"),
        ("fr-FR, ja;q=0.5, en;q=0.4", "ja"),
        ("en-US,en;q=0.9,ja;q=0.8", "en"),
        ("ja;q=0, en", "en"),
        ("de, *;q=0.1", "en"),
        ("JA_jp", "ja"),
    ],
)
def test_accept_language_is_negotiated_by_quality(header, language):
    assert negotiate(header) == language


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "ja_JP.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANGUAGE": "ja:en", "LANG": "C.UTF-8"}, "ja"),
    ],
)
def test_the_commands_read_the_language_as_gettext_does(environ, language):
    assert environment_language(environ) == language


def test_every_server_message_is_translated_into_japanese():
    with (LOCALE / "ja_JP" / "LC_MESSAGES" / "jupyter_mindzie_server.po").open("rb") as file:
        catalog = read_po(file)
    with (LOCALE / "jupyter_mindzie_server.pot").open("rb") as file:
        template = read_po(file)
    untranslated = [m.id for m in template if m.id and not (catalog.get(m.id) and catalog[m.id].string)]
    assert untranslated == []
    mo = LOCALE / "ja_JP" / "LC_MESSAGES" / "jupyter_mindzie_server.mo"
    assert mo.stat().st_mtime >= (mo.with_suffix(".po")).stat().st_mtime - 1, "run make i18n"


# -- Japanese data --------------------------------------------------------------------------

JAPANESE_COLUMNS = {"case_id": "ケースID", "activity": "アクティビティ", "timestamp": "タイムスタンプ"}


def japanese_event_log(cases: int = 300) -> pd.DataFrame:
    """The demo event log with Japanese column names and activity names."""
    frame = pd.DataFrame(demo_event_log_rows(cases=cases))
    names = {
        name: f"工程{index:02d}（{name}）" for index, name in enumerate(sorted(frame["activity"].unique()))
    }
    frame["activity"] = frame["activity"].map(names)
    return frame.rename(columns=JAPANESE_COLUMNS)


def as_csv(frame: pd.DataFrame, encoding: str) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp932"])
async def test_uploads_in_each_encoding_are_stored_as_utf8(api, mindzie_app, encoding):
    frame = japanese_event_log(cases=5)
    reply = await upload(api, as_csv(frame, encoding), "イベントログ.csv")
    assert reply.status == 201, reply.body
    dataset = reply.json
    assert dataset["encoding"] == encoding and dataset["name"] == "イベントログ"
    assert dataset["columns"][:3] == ["ケースID", "アクティビティ", "タイムスタンプ"]
    assert dataset["recordCount"] == len(frame)
    stored = Path(mindzie_app.datasets.datasets_dir) / dataset["datasetId"] / "data.csv"
    assert stored.read_bytes() == as_csv(frame, "utf-8") and dataset["size"] == stored.stat().st_size
    again = (await api("GET", project_path("dataset", dataset["datasetId"]))).json
    assert again["encoding"] == encoding and again["columns"] == dataset["columns"]


async def test_a_file_in_no_supported_encoding_is_refused_in_both_languages(api, JA):
    data = "ケース,工程\n".encode() + b"C1,\x80\xfd\xff\n"
    english = assert_problem(await upload(api, data), 400, field="file")
    assert "UTF-8, UTF-16 (with a BOM) or Shift-JIS (cp932)" in english["detail"]
    body_ja = assert_problem(
        await api(
            "POST",
            project_path("dataset"),
            raw=_multipart_body(data),
            headers={**JA, **_MULTIPART_HEADERS},
        ),
        400,
        field="file",
    )
    assert "Shift-JIS（cp932）" in body_ja["errors"][0]["message"]
    assert (await api("GET", project_path("datasets"))).json["totalCount"] == 0


_BOUNDARY = "mindzie-i18n-boundary"
_MULTIPART_HEADERS = {"Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"}


def _multipart_body(data: bytes, filename: str = "events.csv") -> bytes:
    head = (
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{_BOUNDARY}--\r\n".encode()


async def test_a_shift_jis_event_log_runs_through_the_starter(api):
    frame = japanese_event_log()
    dataset = (await upload(api, as_csv(frame, "cp932"), "申請ログ.csv")).json
    assert dataset["encoding"] == "cp932"
    notebook = await create(
        api,
        {
            "notebookName": "日本語のイベントログ",
            "template": "process_mining_starter",
            "integration": {"datasetBinding": dataset["datasetId"]},
        },
    )
    columns = {
        "case_column": "ケースID",
        "activity_column": "アクティビティ",
        "timestamp_column": "タイムスタンプ",
    }
    accepted = await execute(api, notebook, {"parameters": columns})
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=180)
    assert final["status"] == "Completed", final
    assert final["progress"]["failedCells"] == 0, [c for c in final["cellResults"] if c["status"] == "Error"]

    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
        )
    ).json
    (enriched,) = [d for d in results["enrichedDatasets"] if d["recordCount"] == len(frame)]
    download = await api("GET", enriched["downloadUrl"].split("/a%40b/", 1)[1])
    assert download.status == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert download.body.startswith(b"\xef\xbb\xbf"), "Excel reads UTF-8 only with a BOM"
    table = pd.read_csv(io.BytesIO(download.body), encoding="utf-8-sig")
    assert list(table.columns[:3]) == ["ケースID", "アクティビティ", "タイムスタンプ"]
    assert set(table["アクティビティ"]) == set(frame["アクティビティ"])
