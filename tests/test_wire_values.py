"""Query arguments and form fields are validated as sent, so the server agrees with the schema.

Tornado's readers clean what they hand over: control characters become spaces, whitespace is
stripped, and of a repeated argument or form field only the last value is kept. A flag sent as
`%08` was then taken as absent, and a form field sent twice (a list, where the schema says a
string) as its last value. Each such value is a 400 naming the field now.
"""

from __future__ import annotations

import nbformat
import pytest

from .support import assert_problem, create, multipart, notebook_bytes, project_path, upload

ABSENT = "00000000-0000-4000-8000-0000000000ef"
EVENTS = b"case_id,activity\nc1,A\nc2,B\n"


@pytest.mark.parametrize("raw", ["\x08", " ", "\t", "true ", " false", "1", "0", "yes"])
async def test_a_flag_that_is_not_true_or_false_is_400_naming_it(api, raw):
    notebook = await create(api)
    execution = project_path("notebook", notebook["notebookId"], "execution", ABSENT)
    assert_problem(await api("GET", execution, params={"includeCells": raw}), 400, field="includeCells")
    url = project_path("notebook", notebook["notebookId"])
    assert_problem(await api("GET", url, params={"includeContent": raw}), 400, field="includeContent")
    listing = project_path("notebooks")
    assert_problem(await api("GET", listing, params={"enrichmentMode": raw}), 400, field="enrichmentMode")


async def test_flags_as_documented_and_an_empty_value_as_absent(api):
    notebook = await create(api)
    url = project_path("notebook", notebook["notebookId"])
    for raw in ("true", "FALSE", ""):
        reply = await api("GET", url, params={"includeContent": raw})
        assert reply.status == 200, (raw, reply.body)
    execution = project_path("notebook", notebook["notebookId"], "execution", ABSENT)
    assert (await api("GET", execution, params={"includeCells": "false"})).status == 404


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("notebooks", [("page", "1"), ("page", "2")], "page"),
        ("notebooks", [("enrichmentMode", "true"), ("enrichmentMode", "true")], "enrichmentMode"),
        ("notebooks", [("page", " 2")], "page"),
        ("notebooks", [("pageSize", "5\x08")], "pageSize"),
        ("datasets", [("page", "1"), ("page", "1")], "page"),
    ],
)
async def test_repeated_or_padded_query_values_are_400_naming_them(api, path, params, field):
    assert_problem(await api("GET", project_path(path), params=params), 400, field=field)


async def test_a_repeated_flag_is_400(api):
    notebook = await create(api)
    execution = project_path("notebook", notebook["notebookId"], "execution", ABSENT)
    twice = [("includeCells", "true"), ("includeCells", "false")]
    assert_problem(await api("GET", execution, params=twice), 400, field="includeCells")


def form(fields: list[tuple[str, str]], file: tuple[str, bytes]) -> tuple[bytes, dict[str, str]]:
    """A multipart body with (possibly repeated) plain fields and one `file` part."""
    body, headers = multipart({}, [("file", *file)])
    boundary = headers["Content-Type"].split("boundary=")[1]
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    )
    return parts + body, headers


async def test_a_form_field_sent_twice_is_400_not_its_last_value(api):
    body, headers = form([("name", "a"), ("name", "b")], ("events.csv", EVENTS))
    reply = await api("POST", project_path("dataset"), raw=body, headers=headers)
    assert_problem(reply, 400, field="name")
    listed = await api("GET", project_path("datasets"))
    assert listed.json["totalCount"] == 0, "nothing was stored"

    nb = notebook_bytes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    body, headers = form([("notebookName", "a"), ("notebookName", "b")], ("a.ipynb", nb))
    reply = await api("POST", project_path("notebook", "upload"), raw=body, headers=headers)
    assert_problem(reply, 400, field="notebookName")


async def test_a_name_that_only_looks_like_json_is_a_name(api):
    """One field holding the text `["a"]` is a string the schema allows: it is kept as written."""
    reply = await upload(api, EVENTS, name='["a"]')
    assert reply.status == 201, reply.body
    assert reply.json["name"] == '["a"]'
