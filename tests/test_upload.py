"""`POST …/notebook/upload`: multipart uploads parsed, upgraded and validated with nbformat."""

from __future__ import annotations

import json
import uuid
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from .support import DATASET, assert_problem, project_path


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body as `requests` sends it for the seed's upload_notebook."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, data in files:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: application/json\r\n\r\n'
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def notebook_bytes(nb: Any) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def analysis_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python", "version": "3.11.7"},
        }
    )
    nb.cells = [
        new_markdown_cell("# Journey analysis", id="intro"),
        new_code_cell("dataset_id = None", id="params", metadata={"tags": ["parameters"]}),
        new_code_cell("print(dataset_id)", id="work"),
    ]
    return nb


async def upload(api: Any, data: bytes, filename: str = "analysis.ipynb", **fields: str):
    body, headers = multipart(fields, [("file", filename, data)])
    return await api("POST", project_path("notebook", "upload"), raw=body, headers=headers)


async def test_upload_as_the_seed_sends_it(api, jp_root_dir):
    reply = await upload(
        api,
        notebook_bytes(analysis_notebook()),
        notebookName="カスタマージャーニー分析",
        enrichmentMode="true",
        datasetBinding=DATASET,
    )
    assert reply.status == 201, reply.body
    notebook = reply.json
    assert reply.headers["Location"].endswith(notebook["notebookId"])
    assert notebook["notebookName"] == "カスタマージャーニー分析"
    assert notebook["notebookVersion"] == "1.0.0" and notebook["kernelType"] == "python3"
    assert (
        notebook["integration"]["enrichmentMode"] is True
        and notebook["integration"]["datasetBinding"] == DATASET
    )
    assert [c["cellId"] for c in notebook["cells"]] == ["intro", "params", "work"]
    assert notebook["environment"]["pythonVersion"] == "3.11.7"
    assert notebook["validation"] == {"warnings": []}
    nb = nbformat.read(jp_root_dir / notebook["path"], as_version=4)
    assert nb.metadata["mindzie"]["notebookId"] == notebook["notebookId"]
    assert [c.source for c in nb.cells] == [c.source for c in analysis_notebook().cells]
    listed = (await api("GET", project_path("notebooks"), params={"enrichmentMode": "true"})).json
    assert [n["notebookId"] for n in listed["notebooks"]] == [notebook["notebookId"]]


async def test_name_defaults_to_the_file_name_and_paths_stay_safe(api, jp_root_dir):
    reply = await upload(api, notebook_bytes(analysis_notebook()), filename="../../evil name.ipynb")
    assert reply.status == 201, reply.body
    assert reply.json["notebookName"] == "evil name"
    assert reply.json["path"].endswith("/evil-name.ipynb")
    assert (jp_root_dir / reply.json["path"]).is_file()


async def test_older_v4_is_upgraded_and_given_cell_ids(api, jp_root_dir):
    nb = analysis_notebook()
    nb.nbformat_minor = 2
    raw = json.loads(notebook_bytes(nb))
    for cell in raw["cells"]:
        del cell["id"]
    reply = await upload(api, json.dumps(raw).encode())
    assert reply.status == 201, reply.body
    codes = {w["code"] for w in reply.json["validation"]["warnings"]}
    assert {"upgraded", "cell-ids-assigned"} <= codes
    assert [c["cellId"] for c in reply.json["cells"]] == ["cell-001", "cell-002", "cell-003"]
    on_disk = nbformat.read(jp_root_dir / reply.json["path"], as_version=4)
    assert (on_disk.nbformat, on_disk.nbformat_minor) == (4, 5)
    nbformat.validate(on_disk)


async def test_v3_notebooks_are_converted(api):
    v3 = nbformat.v3.new_notebook(
        worksheets=[nbformat.v3.new_worksheet(cells=[nbformat.v3.new_code_cell(input="1 + 1")])]
    )
    reply = await upload(api, nbformat.v3.writes_json(v3).encode())
    assert reply.status == 201, reply.body
    assert len(reply.json["cells"]) == 1 and reply.json["cells"][0]["cellId"] == "cell-001"


async def test_missing_parameters_cell_repeated_ids_and_unknown_kernel_are_warnings(api):
    nb = analysis_notebook()
    nb.cells[1].metadata = {}
    nb.cells[2].id = "intro"
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    reply = await upload(api, json.dumps(nb).encode())
    assert reply.status == 201, reply.body
    warnings = {w["code"]: w for w in reply.json["validation"]["warnings"]}
    assert set(warnings) >= {"no-parameters-cell", "cell-ids-repaired", "unknown-kernel"}
    assert all(w["message"] and w["field"] for w in warnings.values())
    assert reply.json["kernelType"] == "ir"
    assert len({c["cellId"] for c in reply.json["cells"]}) == 3


async def test_uploaded_outputs_are_not_trusted(api, jp_serverapp, jp_root_dir):
    nb = analysis_notebook()
    nb.metadata["signature"] = "sha256:forged"
    nb.cells[2].outputs = [new_output("display_data", data={"text/html": "<script>alert(1)</script>"})]
    nb.cells[2].metadata["trusted"] = True
    reply = await upload(api, notebook_bytes(nb))
    assert reply.status == 201, reply.body
    saved = nbformat.read(jp_root_dir / reply.json["path"], as_version=4)
    assert "signature" not in saved.metadata and "trusted" not in saved.cells[2].metadata
    assert not jp_serverapp.contents_manager.notary.check_signature(saved)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"this is not json", "not a JSON notebook"),
        (b'{"cells": []}', "not a notebook"),
        (b'{"nbformat": 5, "nbformat_minor": 0, "cells": [], "metadata": {}}', "nbformat 5"),
        (
            json.dumps(
                {
                    "nbformat": 4,
                    "nbformat_minor": 5,
                    "metadata": {},
                    "cells": [{"cell_type": "code", "id": "a", "metadata": {}}],
                }
            ).encode(),
            "not a valid notebook",
        ),
        (
            json.dumps(
                {
                    "nbformat": 4,
                    "nbformat_minor": 5,
                    "metadata": {},
                    "cells": [{"cell_type": "chart", "id": "a", "metadata": {}, "source": ""}],
                }
            ).encode(),
            "not a valid notebook",
        ),
    ],
)
async def test_bad_files_are_400_naming_the_problem(api, data, needle):
    problem = assert_problem(await upload(api, data), 400, field="file")
    assert needle in problem["detail"]
    assert (await api("GET", project_path("notebooks"))).json["totalCount"] == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"datasetBinding": "dataset-guid"}, "datasetBinding"),
        ({"enrichmentMode": "yes"}, "enrichmentMode"),
        ({"notebookName": "x", "colour": "red"}, "colour"),
    ],
)
async def test_bad_form_fields_are_400(api, fields, field):
    assert_problem(await upload(api, notebook_bytes(analysis_notebook()), **fields), 400, field=field)


async def test_a_missing_file_part_or_json_body_is_400(api):
    body, headers = multipart({"notebookName": "x"}, [])
    assert_problem(
        await api("POST", project_path("notebook", "upload"), raw=body, headers=headers), 400, field="file"
    )
    two, headers = multipart({}, [("file", "a.ipynb", b"{}"), ("file", "b.ipynb", b"{}")])
    assert_problem(
        await api("POST", project_path("notebook", "upload"), raw=two, headers=headers), 400, field="file"
    )
    assert_problem(await api("POST", project_path("notebook", "upload"), {"file": "x"}), 400, field="file")


class TestSizeLimit:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieNotebookLibrary": {"max_upload_size": 4096}}

    async def test_over_the_limit_is_413(self, api):
        nb = analysis_notebook()
        nb.cells.append(new_code_cell("x = '" + "a" * 5000 + "'"))
        problem = assert_problem(await upload(api, notebook_bytes(nb)), 413, field="file")
        assert "4096" in problem["detail"]
        small = await upload(api, notebook_bytes(analysis_notebook()))
        assert small.status == 201
