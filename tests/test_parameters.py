"""Parameter injection as papermill does it: values, placement, ids, other languages, a real kernel."""

from __future__ import annotations

import copy
import json
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.notebooks.parameters import (
    INJECTED_TAG,
    infer_parameters,
    inject_parameters,
)

AWKWARD = {
    "quotes": 'He said "hi" and it\'s fine',
    "backslashes": r"C:\data\new\table.csv \" \\",
    "lines": "first\nsecond\r\n\ttabbed",
    "unicode": "Café – 日本語 – 🚀",
    "none": None,
    "yes": True,
    "no": False,
    "count": 15420,
    "huge": 2**80,
    "negative": -7,
    "ratio": 0.1,
    "tiny": -2.5e-10,
    "large": 1e100,
    "columns": ["case_id", "activity", None, 3, 4.5, True],
    "nested": {"a": [1, {"b": 'x"y'}], "é": {}, "empty": []},
}


def notebook(*cells: NotebookNode, language: str = "python") -> NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": language}
    nb.metadata["language_info"] = {"name": language}
    for index, cell in enumerate(nb.cells, start=1):
        cell.id = f"cell-{index:03d}"
    return nb


def code(source: str, *tags: str) -> NotebookNode:
    cell = new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def python(nb: NotebookNode, parameters: dict[str, Any]) -> NotebookNode:
    return inject_parameters(nb, parameters, kernel_name="python3", language="python")


def injected(nb: NotebookNode) -> list[NotebookNode]:
    return [cell for cell in nb.cells if INJECTED_TAG in cell.metadata.get("tags", [])]


def evaluate(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(source, {}, namespace)
    return namespace


def test_python_values_come_back_exactly_equal():
    nb = python(notebook(code("x = 1", "parameters")), AWKWARD)
    (cell,) = injected(nb)
    assert cell.source.startswith("# Parameters\n")
    assert evaluate(cell.source) == AWKWARD


def test_non_finite_floats_are_python_expressions():
    nb = python(notebook(), {"up": float("inf"), "down": float("-inf"), "nan": float("nan")})
    values = evaluate(injected(nb)[0].source)
    assert values["up"] == float("inf") and values["down"] == float("-inf")
    assert values["nan"] != values["nan"]


def test_the_cell_goes_right_after_the_first_parameters_cell():
    nb = notebook(
        new_markdown_cell("# Title"),
        code("a = 1", "parameters"),
        code("b = 2", "parameters"),
        code("print(a)"),
    )
    result = python(nb, {"a": 5})
    assert [c.id for c in result.cells] == [
        "cell-001",
        "cell-002",
        "injected-parameters",
        "cell-003",
        "cell-004",
    ]
    assert result.cells[2].metadata["tags"] == [INJECTED_TAG]
    assert result.cells[2].cell_type == "code" and result.cells[2].outputs == []


def test_without_a_parameters_cell_the_cell_goes_first():
    result = python(notebook(new_markdown_cell("# Title"), code("print(a)")), {"a": 5})
    assert [c.id for c in result.cells] == ["injected-parameters", "cell-001", "cell-002"]


def test_an_earlier_injected_cell_is_replaced_in_place():
    nb = notebook(code("a = 1", "parameters"), code("print(a)"))
    first = python(nb, {"a": 5})
    first.cells.append(code("print('moved on')"))
    second = python(first, {"a": 6, "b": "new"})
    (cell,) = injected(second)
    assert second.cells.index(cell) == 1
    assert cell.id == "injected-parameters"
    assert evaluate(cell.source) == {"a": 6, "b": "new"}
    assert len(second.cells) == 4


def test_a_cell_injected_elsewhere_by_papermill_is_replaced_where_it_is():
    stale = code("# Parameters\na = 0\n", INJECTED_TAG)
    nb = notebook(code("print(1)"), code("a = 1", "parameters"), stale, code("print(a)"))
    nb.cells.insert(0, nb.cells.pop(2))  # papermill left it first
    result = python(nb, {"a": 2})
    assert [c.id for c in result.cells] == ["injected-parameters", "cell-001", "cell-002", "cell-004"]


def test_the_id_gets_a_suffix_when_another_cell_already_has_it():
    nb = notebook(code("a = 1", "parameters"), code("print(a)"))
    nb.cells[1].id = "injected-parameters"
    result = python(nb, {"a": 2})
    assert [c.id for c in result.cells] == ["cell-001", "injected-parameters-2", "injected-parameters"]
    nbformat.validate(result)


def test_the_result_is_a_valid_copy_and_the_input_is_untouched():
    nb = notebook(code("a = 1", "parameters"), code("print(a)"))
    before = copy.deepcopy(nb)
    result = python(nb, AWKWARD)
    nbformat.validate(result)
    assert nb == before
    assert result.metadata["papermill"]["parameters"] == AWKWARD
    result.cells[0].source = "changed"
    assert nb.cells[0].source == "a = 1"


def test_an_older_notebook_without_cell_ids_is_upgraded_to_validate():
    nb = notebook(code("a = 1", "parameters"))
    nb.nbformat_minor = 4
    del nb.cells[0]["id"]
    result = python(nb, {"a": 2})
    assert result.nbformat_minor == 5
    assert result.cells[1].id == "injected-parameters"
    nbformat.validate(result)


def test_empty_parameters_inject_nothing():
    nb = notebook(code("a = 1", "parameters"), code("print(a)"))
    result = python(nb, {})
    assert result == nb and result is not nb
    assert "papermill" not in result.metadata


def test_empty_parameters_still_drop_a_stale_injected_cell():
    """papermill would replace it with an empty one: the stale values must not run."""
    nb = notebook(code("a = 1", "parameters"), code("a = 99", INJECTED_TAG), code("print(a)"))
    result = python(nb, {})
    assert [c.id for c in result.cells] == ["cell-001", "cell-003"]


def test_r_kernels_get_r_code():
    nb = notebook(code("a <- 1", "parameters"), language="R")
    parameters = {
        "name": 'say "hi"\n',
        "missing": None,
        "flag": True,
        "off": False,
        "n": 3,
        "x": 1.5,
        "items": [1, "b"],
        "mapping": {"k": [True]},
        "_hidden": 1,
    }
    result = inject_parameters(nb, parameters, kernel_name="ir", language="R")
    assert injected(result)[0].source == (
        "# Parameters\n"
        'name = "say \\"hi\\"\\n"\n'
        "missing = NULL\n"
        "flag = TRUE\n"
        "off = FALSE\n"
        "n = 3\n"
        "x = 1.5\n"
        'items = list(1, "b")\n'
        'mapping = list("k" = list(TRUE))\n'
        "hidden = 1\n"
    )


def test_a_language_without_translator_is_a_parameters_error():
    nb = notebook(language="brainfuck")
    with pytest.raises(InvalidRequest) as raised:
        inject_parameters(nb, {"a": 1}, kernel_name="bf", language="brainfuck")
    assert raised.value.errors[0]["field"] == "parameters"
    assert "cannot be passed to a brainfuck kernel" in raised.value.errors[0]["message"]


def test_a_language_without_translator_is_fine_with_no_parameters():
    nb = notebook(language="brainfuck")
    assert inject_parameters(nb, {}, kernel_name="bf", language="brainfuck") == nb


def test_a_value_the_language_cannot_express_is_a_parameters_error():
    with pytest.raises(InvalidRequest, match="mapping: a dict value cannot be passed to a bash kernel"):
        inject_parameters(notebook(), {"mapping": {"a": 1}}, kernel_name="bash", language="bash")


@pytest.mark.parametrize("name", ["a b", "x = 1\nimport os\ny", "1st", "class", ""])
def test_names_must_be_identifiers_so_they_cannot_carry_code(name):
    with pytest.raises(InvalidRequest) as raised:
        python(notebook(), {name: 1})
    assert raised.value.errors[0]["field"] == "parameters"


def test_infer_parameters_reads_the_parameters_cell():
    source = (
        "# Parameters\n"
        "dataset_id = None  # the bound dataset\n"
        "top_n: int = 3  # how many bottlenecks\n"
        "columns = [\n"
        "    'case_id',\n"
        "    'activity',\n"
        "]\n"
        "threshold = 0.5  # type: float\n"
        "pair = (1, 'a')\n"
        "tags = {'x'}\n"
        "limit = float('inf')\n"
        "home = os.getcwd()\n"
    )
    nb = notebook(new_markdown_cell("# T"), code(source, "parameters"))
    assert infer_parameters(nb) == [
        {
            "name": "dataset_id",
            "inferred_type_name": None,
            "default": "None",
            "help": "the bound dataset",
            "literal": True,
            "value": None,
        },
        {
            "name": "top_n",
            "inferred_type_name": "int",
            "default": "3",
            "help": "how many bottlenecks",
            "literal": True,
            "value": 3,
        },
        {
            "name": "columns",
            "inferred_type_name": "list",
            "default": "['case_id','activity',]",
            "help": "",
            "literal": True,
            "value": ["case_id", "activity"],
        },
        {
            "name": "threshold",
            "inferred_type_name": "float",
            "default": "0.5",
            "help": "",
            "literal": True,
            "value": 0.5,
        },
        # a tuple arrives as JSON's list; a set, inf and an expression have no JSON value
        {
            "name": "pair",
            "inferred_type_name": "tuple",
            "default": "(1, 'a')",
            "help": "",
            "literal": True,
            "value": [1, "a"],
        },
        {
            "name": "tags",
            "inferred_type_name": "set",
            "default": "{'x'}",
            "help": "",
            "literal": False,
            "value": None,
        },
        {
            "name": "limit",
            "inferred_type_name": None,
            "default": "float('inf')",
            "help": "",
            "literal": False,
            "value": None,
        },
        {
            "name": "home",
            "inferred_type_name": None,
            "default": "os.getcwd()",
            "help": "",
            "literal": False,
            "value": None,
        },
    ]


def test_infer_parameters_is_empty_without_a_cell_or_for_other_languages():
    assert infer_parameters(notebook(code("a = 1"))) == []
    assert infer_parameters(notebook(code("a <- 1", "parameters"), language="R")) == []


async def test_a_python_kernel_receives_the_values_exactly():
    names = sorted(AWKWARD)
    defaults = "\n".join(f"{name} = 'default'" for name in names)
    printer = f"import json\nprint(json.dumps({{n: globals()[n] for n in {names!r}}}))"
    nb = python(notebook(code(defaults, "parameters"), code(printer)), AWKWARD)
    await NotebookClient(nb, kernel_name="python3", timeout=60).async_execute()
    (output,) = nb.cells[-1].outputs
    assert output.output_type == "stream", output
    assert json.loads(output.text) == AWKWARD
