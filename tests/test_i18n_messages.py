"""Problems and warnings in Japanese beyond validation: cron, cell ranges, grants, settings, uploads.

Each asks twice, in English and with `Accept-Language: ja`, and checks that only the human
texts change: `type`, `status`, field names, warning codes and enum values stay as they are.
"""

from __future__ import annotations

from typing import Any

import nbformat
import pytest

from .support import (
    PROJECT,
    TENANT,
    TokenUsers,
    assert_problem,
    create,
    multipart,
    notebook_bytes,
    project_path,
)

JA = {"Accept-Language": "ja-JP,ja;q=0.9"}


def both(english: dict[str, Any], japanese: dict[str, Any]) -> dict[str, Any]:
    """The Japanese problem, after checking it differs from the English only in its texts."""
    assert japanese["type"] == english["type"] and japanese["status"] == english["status"]
    assert [e["field"] for e in japanese.get("errors", [])] == [e["field"] for e in english.get("errors", [])]
    assert japanese["detail"] != english["detail"] and japanese["message"] == japanese["detail"]
    return japanese


async def ask(api: Any, status: int, method: str, path: str, body: Any = None, **kwargs: Any):
    """The same request in English and in Japanese: both problems."""
    headers = kwargs.pop("headers", {})
    english = assert_problem(await api(method, path, body, headers=headers, **kwargs), status)
    japanese = assert_problem(await api(method, path, body, headers={**headers, **JA}, **kwargs), status)
    return english, japanese


async def test_a_bad_cron_in_japanese(api):
    notebook = await create(api)
    path = project_path("notebook", notebook["notebookId"])
    english, japanese = await ask(api, 400, "PUT", path, {"integration": {"scheduleExecution": "61 * * * *"}})
    problem = both(english, japanese)
    (error,) = problem["errors"]
    assert error["field"] == "integration.scheduleExecution"
    assert (
        error["message"]
        == "5 項目の cron 式（分 時 日 月 曜日）で指定してください（受け取った値: '61 * * * *'）"
    )
    assert english["errors"][0]["message"].startswith("must be a 5-field cron expression")

    _, never = await ask(api, 400, "PUT", path, {"integration": {"scheduleExecution": "0 0 30 2 *"}})
    assert never["errors"][0]["message"].startswith("'0 0 30 2 *' は一度も実行されません")
    _, unscheduled = await ask(api, 400, "PUT", path, {"integration": {"autoExecution": True}})
    assert unscheduled["errors"][0]["message"] == "autoExecution が true のときは必須です"


async def test_a_bad_cell_range_in_japanese(api):
    notebook = await create(api)
    path = project_path("notebook", notebook["notebookId"])
    cells = [{"cellType": "code", "content": f"x = {n}"} for n in range(3)]
    assert (await api("PUT", path, {"cells": cells})).status == 200
    execute = project_path("notebook", notebook["notebookId"], "execute")
    body = {"executionMode": "range", "cellRange": {"startCell": "cell-003", "endCell": "cell-001"}}
    english, japanese = await ask(api, 400, "POST", execute, body)
    problem = both(english, japanese)
    assert problem["type"] == "invalid-request"
    assert problem["errors"] == [{"field": "cellRange.endCell", "message": "startCell より前のセルです"}]
    assert problem["detail"] == "cellRange.endCell: startCell より前のセルです"
    body["cellRange"]["startCell"] = "nope"
    _, missing = await ask(api, 400, "POST", execute, body)
    assert missing["errors"][0] == {
        "field": "cellRange.startCell",
        "message": "'nope' はこのノートブックのセルではありません",
    }
    _, no_range = await ask(api, 400, "POST", execute, {"executionMode": "range"})
    assert no_range["errors"][0]["message"] == "executionMode が 'range' のときは必須です"


async def test_a_bad_setting_in_japanese(api):
    english, japanese = await ask(
        api, 400, "POST", project_path("notebook"), {"notebookName": "x", "kernelType": "cobol"}
    )
    problem = both(english, japanese)
    (error,) = problem["errors"]
    assert error["field"] == "kernelType"
    assert error["message"].startswith("カーネル 'cobol' はこのサーバーで使えません。使えるカーネル: ")
    assert "python3" in error["message"]  # kernel names are never translated

    _, template = await ask(
        api,
        400,
        "POST",
        project_path("notebook"),
        {
            "notebookName": "x",
            "template": "blank",
            "kernelType": "python3",
            "integration": {"scheduleTimezone": "Mars/Olympus"},
        },
    )
    assert template["errors"][0]["field"] == "integration.scheduleTimezone"
    assert (
        "IANA のタイムゾーン名" in template["errors"][0]["message"]
        and "'Mars/Olympus'" in template["errors"][0]["message"]
    )


async def test_upload_warnings_in_japanese_keep_their_codes(api):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(1)")]
    nb.metadata = {}  # no kernelspec, no parameters cell
    body, headers = multipart({}, [("file", "plain.ipynb", notebook_bytes(nb))])
    path = project_path("notebook", "upload")
    english = (await api("POST", path, raw=body, headers=headers)).json["validation"]["warnings"]
    reply = await api("POST", path, raw=body, headers={**headers, **JA})
    assert reply.status == 201, reply.body
    japanese = reply.json["validation"]["warnings"]
    assert [(w["code"], w["field"]) for w in japanese] == [(w["code"], w["field"]) for w in english]
    messages = {w["code"]: w["message"] for w in japanese}
    assert messages["no-kernelspec"] == "ノートブックにカーネルの指定がないため、python3 を使います"
    assert messages["no-parameters-cell"].startswith("'parameters' タグの付いたセルがありません")


async def test_a_bad_upload_in_japanese(api):
    body, headers = multipart({}, [("file", "broken.ipynb", b'{"cells": []}')])
    english, japanese = await ask(
        api, 400, "POST", project_path("notebook", "upload"), raw=body, headers=headers
    )
    problem = both(english, japanese)
    assert problem["errors"] == [
        {"field": "file", "message": "JSON ですがノートブックではありません（'nbformat' 項目がありません）"}
    ]


class TestGrants:
    @pytest.fixture
    def mindzie_config(self):
        return {
            "ServerApp": {"identity_provider_class": TokenUsers},
            "MindzieAccess": {"grants": {"alice": [TENANT], "bob": ["*"]}, "execute_grants": {"bob": ["*"]}},
        }

    async def test_a_missing_execute_grant_in_japanese(self, api):
        bob, alice = {"Authorization": "Bearer bob-token"}, {"Authorization": "Bearer alice-token"}
        created = await api("POST", project_path("notebook"), {"notebookName": "shared"}, headers=bob)
        assert created.status == 201, created.body
        notebook_id = created.json["notebookId"]
        execute = project_path("notebook", notebook_id, "execute")
        english, japanese = await ask(api, 403, "POST", execute, {}, headers=alice)
        problem = both(english, japanese)
        assert problem["type"] == "forbidden" and problem["title"] == "権限がありません"
        assert problem["detail"] == "このプロジェクトは閲覧できますが、ノートブックを実行する権限はありません"

        # a schedule runs as whoever set it: setting one needs the grant too
        schedule = {"integration": {"autoExecution": True, "scheduleExecution": "0 6 * * 1"}}
        english, japanese = await ask(
            api, 403, "PUT", project_path("notebook", notebook_id), schedule, headers=alice
        )
        problem = both(english, japanese)
        assert problem["type"] == "forbidden" and problem["errors"][0]["field"].startswith("integration")
        assert problem["errors"][0]["message"] == "スケジュール実行されるノートブックでは実行権限が必要です"
        assert problem["detail"].startswith("スケジュール実行されるノートブックは")
        assert TENANT not in problem["detail"] and PROJECT not in problem["detail"]
