"""`jupyter mindzie` under LANG=ja_JP.UTF-8: Japanese human output, the same --json bytes.

Real subprocesses against a real server (pytest-jupyter's), as users run the commands.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path

import nbformat

from jupyter_mindzie.client import MindzieClient
from jupyter_mindzie.storage.sqlite import MindzieStore

from .support import PROJECT, TENANT

CLI = [sys.executable, "-m", "jupyter_mindzie.cli"]
LOCALE_NAMES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment(lang: str) -> dict[str, str]:
    """This process's environment with only LANG naming the language."""
    env = {name: value for name, value in os.environ.items() if name not in LOCALE_NAMES}
    return {**env, "LANG": lang}


async def run_cli(*args: str | Path, lang: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """The command in a subprocess, without blocking the loop the test server runs on."""
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *map(str, args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(lang),
        cwd=cwd,
    )
    out, err = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def finished_execution(client: MindzieClient) -> tuple[str, str]:
    notebook = client.create_notebook("日本語の分析", "CLI", template="blank")
    client.update_notebook(
        notebook["notebookId"], cells=[{"cellType": "code", "content": "print('こんにちは')"}]
    )
    execution = client.execute_notebook(
        notebook["notebookId"], generate_report=False, save_intermediate_results=False
    )
    final = client.wait_for_completion(
        notebook["notebookId"], execution["executionId"], poll_interval=0.1, timeout=120
    )
    assert final["status"] == "Completed", final
    return notebook["notebookId"], execution["executionId"]


async def test_remote_commands_in_japanese_and_json_unchanged(server_url, jp_serverapp):
    token = jp_serverapp.identity_provider.token
    with MindzieClient(server_url, TENANT, PROJECT, token) as client:
        notebook_id, execution_id = await asyncio.to_thread(finished_execution, client)
    where = ["--url", server_url, "--token", token, "--tenant", TENANT, "--project", PROJECT]

    code, out, err = await run_cli("list", *where, lang="ja_JP.UTF-8")
    assert code == 0, err
    header, row, footer = out.splitlines()
    assert header.split()[:4] == ["ノートブック", "ID", "名前", "状態"] and "最終実行" in header
    assert "日本語の分析" in row and "Ready" in row  # the vendor's status values stay as they are
    assert footer == "ノートブック 1 件中 1 件（1 ページ目）"

    code, out, _ = await run_cli("executions", notebook_id, *where, lang="ja_JP.UTF-8")
    assert code == 0 and "実行 ID" in out and "所要時間" in out and "1 件中 成功 1、失敗 0" in out
    assert " 秒" in out and "seconds" not in out  # the duration in Japanese
    assert "年" in out and "UTC" in out  # the start time as Japanese writes a date

    code, out, _ = await run_cli("status", notebook_id, execution_id, *where, lang="ja_JP.UTF-8")
    lines = out.splitlines()
    assert code == 0 and lines[1].split() == ["状態", "Completed、100%"], out
    assert lines[3].split()[0] == "セル" and "1/1 完了、成功 1、失敗 0" in lines[3]
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["セル", "状態", "時間", "出力", "エラー"] and " 秒  stream" in table[1]

    code, out, _ = await run_cli("results", notebook_id, execution_id, *where, lang="ja_JP.UTF-8")
    assert code == 0 and "実行済みノートブック: http" in out and "出力の種類" in out
    code, out, _ = await run_cli("datasets", *where, lang="ja_JP.UTF-8")
    assert code == 0 and out.strip() == "データセットはありません"

    code, _, err = await run_cli("status", notebook_id, str(uuid.uuid4()), *where, lang="ja_JP.UTF-8")
    assert code == 1 and len(err.splitlines()) == 1
    assert err.startswith("jupyter mindzie status: エラー: ノートブック ") and "（HTTP 404）" in err

    for command in (
        ["list"],
        ["executions", notebook_id],
        ["status", notebook_id, execution_id],
        ["results", notebook_id, execution_id],
        ["datasets"],
    ):
        english = await run_cli(*command, *where, "--json", lang="C")
        japanese = await run_cli(*command, *where, "--json", lang="ja_JP.UTF-8")
        assert english[0] == japanese[0] == 0, (english, japanese)
        assert japanese[1] == english[1], command  # byte for byte
        json.loads(japanese[1])


async def test_help_db_and_a_headless_run_in_japanese(tmp_path):
    code, out, _ = await run_cli("run", "--help", lang="ja_JP.UTF-8")
    assert code == 0 and out.startswith("使い方: jupyter mindzie run")
    assert "オプション:" in out and "このヘルプを表示して終了" in out and "ヘッドレス実行" in out
    code, out, _ = await run_cli("run", "--help", lang="C")
    assert code == 0 and out.startswith("usage: jupyter mindzie run") and "show this help message" in out

    code, _, err = await run_cli("db", "check", "--root", tmp_path, lang="ja_JP.UTF-8")
    assert code == 2 and err.strip().endswith(
        "にストアがありません（--root、--db、--db-url のいずれかを指定してください）"
    )

    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    source = tmp_path / "分析.ipynb"
    nbformat.write(nb, source)
    code, out, err = await run_cli("run", source, "--no-progress", lang="ja_JP.UTF-8", cwd=tmp_path)
    assert code == 1, err
    first, *rest = out.splitlines()
    assert first.startswith("Completed（") and first.endswith("）: 成功したセル 1、失敗 1"), out
    assert any("が失敗しました: ZeroDivisionError" in line for line in rest)
    assert any(line.strip().startswith("実行済みノートブック:") for line in rest)

    store = MindzieStore(db_path=str(tmp_path / ".mindzie" / "mindzie.db"))
    store.close()
    code, out, err = await run_cli("db", "check", "--root", tmp_path, lang="ja_JP.UTF-8")
    assert code == 0, err
    labels = [line.split()[0] for line in out.splitlines()[:4]]
    assert labels == ["ストア", "スキーマ", "整合性", "実行中"] and "テーブル" in out and "行数" in out
    english = await run_cli("db", "check", "--root", tmp_path, "--json", lang="C")
    japanese = await run_cli("db", "check", "--root", tmp_path, "--json", lang="ja_JP.UTF-8")
    assert japanese[1] == english[1] and json.loads(japanese[1])["healthy"]
