"""Every message the server or `jupyter mindzie` shows a person is a `Message` with a Japanese entry.

Two scans of the package's source (no server needed): text that reaches a problem's
`detail`/`errors[].message`, a response's `warnings[].message` or the commands' human output
must not be a plain or f-string, and every `Message(...)`/`_(...)` template must have a
translation in the `jupyter_mindzie_server` catalog (the .po and the compiled .mo) that uses
exactly the template's fields.
"""

from __future__ import annotations

import ast
import gettext
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from jupyter_mindzie import errors
from jupyter_mindzie.i18n import DOMAIN

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "jupyter_mindzie"
LC_MESSAGES = PACKAGE / "locale" / "ja_JP" / "LC_MESSAGES"
# template keywords, as `make i18n` extracts them (pybabel -k Message -k _)
KEYWORDS = {"Message", "_"}


def _error_classes() -> set[str]:
    found, todo = set(), [errors.MindzieError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found | {"UsageError", "CommandFailed", "StoreTooNew", "StoreUnreachable"}


ERROR_CLASSES = _error_classes()
# calls whose argument is shown to a person as it is (the commands' output and their help)
SHOWN_CALLS = {"print", "write", "set_description_str", "error", "ArgumentTypeError"}
SHOWN_KEYWORDS = {"help", "description", "title", "desc"}


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text("utf-8"), str(path))


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def is_plain_text(node: ast.AST | None) -> bool:
    """A str literal with words in it, an f-string, or text built from them with + or .format."""
    if isinstance(node, ast.Constant):
        words = re.sub(r"\{[^{}]*\}", "", node.value) if isinstance(node.value, str) else ""
        return any(c.isalpha() for c in words)
    if isinstance(node, ast.JoinedStr):
        return any(is_plain_text(value) for value in node.values if isinstance(value, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return is_plain_text(node.left) or is_plain_text(node.right)
    if isinstance(node, ast.IfExp):
        return is_plain_text(node.body) or is_plain_text(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return is_plain_text(node.func.value)
    return False


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def untranslated_texts() -> list[str]:
    found: list[str] = []
    for path, tree in modules():
        in_cli = path.parent.name == "cli"
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                shown: list[ast.AST | None] = []
                if name in ERROR_CLASSES:
                    shown += node.args[:1]
                elif name in ("for_field", "CellRangeError"):  # (field, message)
                    shown += node.args[1:2]
                shown += [k.value for k in node.keywords if k.arg in ("detail", "message")]
                if in_cli and name in SHOWN_CALLS:
                    shown += node.args[:1]
                if in_cli:
                    shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
                if in_cli and name == "table":
                    headers = node.args[0] if node.args else None
                    shown += headers.elts if isinstance(headers, ast.List) else []
                found += [_where(path, node) for text in shown if is_plain_text(text)]
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "message" and is_plain_text(value):
                        found.append(_where(path, value))
            elif in_cli and isinstance(node, (ast.Yield, ast.Tuple)):
                # rendered lines, and the (HEADING, field) columns of a listing
                values = [node.value] if isinstance(node, ast.Yield) else node.elts[:1]
                if isinstance(node, ast.Tuple) and not _is_column(node):
                    values = []
                found += [_where(path, node) for text in values if is_plain_text(text)]
    return sorted(set(found))


def _is_column(node: ast.Tuple) -> bool:
    """("HEADING", "jsonField"): a listing's column; ("NAME", "VALUE") is a metavar."""
    if len(node.elts) != 2 or not isinstance(node.elts[0], ast.Constant):
        return False
    second = node.elts[1]
    return str(node.elts[0].value).isupper() and not (
        isinstance(second, ast.Constant) and str(second.value).isupper()
    )


def templates() -> Iterator[tuple[str, str]]:
    for path, tree in modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _name(node.func) in KEYWORDS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield _where(path, node), node.args[0].value


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_no_message_a_person_reads_is_plain_english():
    assert untranslated_texts() == [], "route these texts through Message (or the CLI's _) with named fields"


def test_the_scan_finds_plain_text_where_it_looks():
    """The scan itself: each kind of untranslated text it must catch, and what it must leave."""
    source = (
        "raise NotFound(f'notebook {x} is gone')\n"
        "raise InvalidRequest.for_field('x', 'is wrong')\n"
        "warnings.append({'code': 'c', 'message': 'a ' + kind})\n"
        "ok = InvalidRequest.for_field('x', Message('is wrong'))\n"
    )
    tree = ast.parse(source)
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) in ("NotFound", "for_field")
    ]
    plain = [is_plain_text(c.args[0] if _name(c.func) == "NotFound" else c.args[1]) for c in calls]
    assert sorted(plain) == [False, True, True]
    (message,) = [n for n in ast.walk(tree) if isinstance(n, ast.Dict)]
    assert is_plain_text(message.values[1])
    assert not is_plain_text(ast.parse("'{m0}; {m1}'").body[0].value)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def po():  # babel Catalog
    with (LC_MESSAGES / f"{DOMAIN}.po").open("rb") as file:
        return read_po(file)


def test_every_template_has_a_japanese_entry_with_the_same_fields(po):
    missing, mismatched = [], []
    for where, template in templates():
        entry = po.get(template)
        if entry is None or not entry.string:
            missing.append(f"{where}: {template}")
        elif fields(entry.string) != fields(template):
            mismatched.append(f"{where}: {template} -> {entry.string}")
    assert missing == [], "add these to jupyter_mindzie_server.po (make i18n, then translate)"
    assert mismatched == []


def test_the_compiled_catalog_has_every_template(po):
    with (LC_MESSAGES / f"{DOMAIN}.mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    stale = [template for _, template in templates() if compiled.gettext(template) != po[template].string]
    assert stale == [], "run `make i18n`: the .mo is older than the .po"
