"""The shipped catalogs: every string of src/ is in the template, translated, and compiled."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent
LOCALE = ROOT / "jupyter_mindzie" / "locale"
LOCALES = ["ja_JP"]
# the receivers jupyterlab-translate's extractor knows (jupyterlab_translate/constants.py)
ROOTS = r"(?<![\w.])(?:trans|this\.trans|this\._trans|this\.props\.trans|props\.trans)"
STRING = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
CALLS = {
    "__": re.compile(ROOTS + r"\.__\(\s*" + STRING),
    "_n": re.compile(ROOTS + r"\._n\(\s*" + STRING + r"\s*,\s*" + STRING),
    "_p": re.compile(ROOTS + r"\._p\(\s*" + STRING + r"\s*,\s*" + STRING),
}
ANY_CALL = re.compile(r"((?:\w+(?:\(\))?\.)*_?trans)\.(?:__|_n|_p|_np)\(")
RECEIVERS = {"trans", "this.trans", "this._trans", "this.props.trans", "props.trans"}


def literal(text: str) -> str:
    """A TS string literal's value (the subset our sources use: quotes, \\n, \\', \\")."""
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def sources() -> list[Path]:
    return sorted(p for p in (ROOT / "src").rglob("*.ts*") if not p.name.endswith(".d.ts"))


def used_messages() -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for path in sources():
        text = path.read_text("utf-8")
        for match in CALLS["__"].finditer(text):
            found.add((None, literal(match.group(1))))
        for match in CALLS["_n"].finditer(text):
            found.add((None, literal(match.group(1))))
        for match in CALLS["_p"].finditer(text):
            found.add((literal(match.group(1)), literal(match.group(2))))
    return found


def catalog(path: Path):  # babel Catalog
    with path.open("rb") as file:
        return read_po(file)


def test_src_uses_translations():
    assert len(used_messages()) > 150


def test_every_string_of_src_is_in_the_template():
    template = catalog(LOCALE / "jupyter_mindzie.pot")
    known = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}
    missing = sorted(used_messages() - known, key=str)
    assert missing == [], "run `make i18n`: these strings of src/ are not in the template"


def test_every_translation_call_can_be_extracted():
    """A call through another name (model.trans.__) is invisible to the extractor."""
    hidden = []
    for path in sources():
        for match in ANY_CALL.finditer(path.read_text("utf-8")):
            receiver = match.group(1)
            if receiver not in RECEIVERS:
                hidden.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert hidden == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_template_string_is_translated_and_compiled(locale):
    template = catalog(LOCALE / "jupyter_mindzie.pot")
    po = catalog(LOCALE / locale / "LC_MESSAGES" / "jupyter_mindzie.po")
    compiled = json.loads((LOCALE / locale / "LC_MESSAGES" / "jupyter_mindzie.json").read_text("utf-8"))
    assert compiled[""]["domain"] == "jupyter_mindzie"
    untranslated, stale = [], []
    for message in template:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        translated = po.get(message.id, message.context)
        strings = [translated.string] if translated and isinstance(translated.string, str) else []
        if translated and not isinstance(translated.string, str):
            strings = [s for s in translated.string if s]
        if not strings or not all(strings):
            untranslated.append(msgid)
            continue
        key = f"{message.context}\x04{msgid}" if message.context else msgid
        if compiled.get(key, [None])[0] != strings[0]:
            stale.append(msgid)
    assert untranslated == []
    assert stale == [], "run `make i18n`: the .json is older than the .po"


def test_process_mining_terms_follow_japanese_tools():
    """The vendor's and the field's own words, not literal translations."""
    po = catalog(LOCALE / "ja_JP" / "LC_MESSAGES" / "jupyter_mindzie.po")
    text = "\n".join(m.string if isinstance(m.string, str) else m.string[0] for m in po if m.id)
    for term in ("ノートブック", "実行", "強化", "データセット", "ボトルネック"):
        assert term in text
    assert "ラン" not in text.replace("ランチャー", "")  # 実行, never ラン for a run


@pytest.mark.parametrize("locale", LOCALES)
def test_no_translation_is_a_fuzzy_guess(locale):
    """`jupyterlab-translate update` fills new strings with fuzzy guesses from similar ones."""
    po = catalog(LOCALE / locale / "LC_MESSAGES" / "jupyter_mindzie.po")
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert fuzzy == [], "translate these and drop their `#, fuzzy` flag"
