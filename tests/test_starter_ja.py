"""Notebooks created in Japanese (issue 18, item 4): the templates' markdown and comments are
Japanese, their code is the same, and the Japanese starter gives the English starter's metrics."""

from __future__ import annotations

import io
import tokenize
from typing import Any

import pytest

from jupyter_mindzie.demo import FAST_CASES, demo_event_log

from .support import assert_problem, create, execute, project_path, upload, wait_for

JAPANESE = set(range(0x3040, 0x30FF + 1)) | set(range(0x4E00, 0x9FFF + 1))


def has_japanese(text: str) -> bool:
    return any(ord(ch) in JAPANESE for ch in text)


def comments(source: str) -> list[str]:
    """The comments and docstrings of a Python cell, as tokenize finds them."""
    found = []
    previous = None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        docstring = (
            token.type == tokenize.STRING and token.string.startswith('"""') and previous == tokenize.INDENT
        )
        if token.type == tokenize.COMMENT or docstring:
            found.append(token.string)
        previous = token.type
    return found


def without_comments(source: str) -> str:
    """The code of a cell with its comments and docstrings blanked out."""
    for comment in comments(source):
        source = source.replace(comment, "#")
    return source


async def starter(api: Any, *, dataset_id: str | None = None, **how: Any) -> dict[str, Any]:
    body = {
        "notebookName": how.pop("name", "Starter"),
        "template": "process_mining_starter",
        "integration": {"datasetBinding": dataset_id},
        **how.pop("body", {}),
    }
    reply = await api("POST", project_path("notebook"), body, headers=how.pop("headers", None))
    assert reply.status == 201, reply.body
    return await with_content(api, reply.json)


async def with_content(api: Any, notebook: dict[str, Any]) -> dict[str, Any]:
    reply = await api(
        "GET", project_path("notebook", notebook["notebookId"]), params={"includeContent": "true"}
    )
    assert reply.status == 200, reply.body
    return reply.json


@pytest.mark.parametrize(
    "how",
    [{"headers": {"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"}}, {"body": {"locale": "ja"}}],
    ids=["accept-language", "locale-in-body"],
)
async def test_a_notebook_created_in_japanese_has_japanese_prose_and_the_same_code(api, how):
    english = await starter(api, name="English")
    japanese = await starter(api, name="日本語", **how)
    en_cells, ja_cells = english["cells"], japanese["cells"]
    assert [c["cellType"] for c in en_cells] == [c["cellType"] for c in ja_cells]
    for en, ja in zip(en_cells, ja_cells, strict=True):
        if en["cellType"] == "markdown":
            assert has_japanese(ja["content"]) and not has_japanese(en["content"])
            continue
        # the same code, parameter names and published names; only the comments differ
        assert without_comments(ja["content"]) == without_comments(en["content"])
        assert all(has_japanese(comment) for comment in comments(ja["content"])), ja["content"]
    parameters = (await api("GET", project_path("notebook", japanese["notebookId"], "parameters"))).json
    english_parameters = (
        await api("GET", project_path("notebook", english["notebookId"], "parameters"))
    ).json
    assert parameters["parameters"] == english_parameters["parameters"]


async def test_the_blank_template_comments_its_parameters_cell_in_japanese(api):
    reply = await api(
        "POST",
        project_path("notebook"),
        {"notebookName": "空のノートブック", "template": "blank"},
        headers={"Accept-Language": "ja"},
    )
    assert reply.status == 201, reply.body
    (cell,) = (await with_content(api, reply.json))["cells"]
    assert cell["content"].splitlines()[0].startswith("# パラメーター")
    assert cell["content"].splitlines()[1] == "dataset_id = None"


async def test_english_stays_the_default_and_the_body_wins_over_the_header(api):
    plain = await with_content(api, await create(api, {"notebookName": "plain", "template": "blank"}))
    assert not has_japanese(plain["cells"][0]["content"])
    chosen = await starter(api, name="en body", body={"locale": "en"}, headers={"Accept-Language": "ja"})
    assert not has_japanese(chosen["cells"][0]["content"])
    other = await starter(api, name="fr", body={"locale": "fr-FR"})  # no French prose: English
    assert not has_japanese(other["cells"][0]["content"])


async def test_a_locale_that_is_no_language_tag_is_a_400(api):
    reply = await api(
        "POST",
        project_path("notebook"),
        {"notebookName": "bad", "template": "blank", "locale": "日本語; DROP"},
    )
    assert_problem(reply, 400, "locale")


async def test_the_japanese_starter_gives_the_english_starters_metrics(api):
    buffer = io.StringIO()
    demo_event_log(FAST_CASES).to_csv(buffer, index=False)
    dataset = (await upload(api, buffer.getvalue().encode(), "demo.csv")).json
    metrics = {}
    for locale in ("en", "ja"):
        notebook = await starter(api, dataset_id=dataset["datasetId"], name=locale, body={"locale": locale})
        accepted = await execute(api, notebook)
        final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=180)
        assert final["status"] == "Completed" and final["progress"]["failedCells"] == 0, final
        results = (
            await api(
                "GET",
                project_path(
                    "notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"
                ),
                params={"format": "detailed"},
            )
        ).json
        (metrics[locale],) = [
            o["content"] for o in results["outputs"] if o["contentType"] == "application/json"
        ]
    assert metrics["ja"]["caseCount"] == FAST_CASES
    assert metrics["ja"] == metrics["en"]
