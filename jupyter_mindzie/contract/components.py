"""OpenAPI components from schema/api: each schema file and each `$defs` entry, references rewritten."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jupyter_mindzie.contract.schemas import URN_PREFIX, schema_dir

REF_PREFIX = "#/components/schemas/"
# Keywords of a schema file's root that make it a schema, not a mere holder of `$defs`.
_META_KEYS = {"$schema", "$id", "title", "description", "$defs"}


def component_name(stem: str) -> str:
    """`notebook-create` → `NotebookCreate`: file schemas are PascalCase, `$defs` keep their names."""
    return "".join(part.capitalize() for part in stem.split("-"))


def load_schemas(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    folder = folder or schema_dir()
    return {path.stem: json.loads(path.read_text("utf-8")) for path in sorted(folder.glob("*.json"))}


def build_components(schemas: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every schema file and every `$defs` entry as `components/schemas`, references rewritten."""
    components: dict[str, dict[str, Any]] = {}
    origin: dict[str, str] = {}

    def add(name: str, schema: dict[str, Any], source: str) -> None:
        if name in components:
            raise ValueError(f"schema name {name!r} of {source} is already used by {origin[name]}")
        components[name] = schema
        origin[name] = source

    for stem, document in schemas.items():
        expected = f"{URN_PREFIX}{stem}"
        if document.get("$id") != expected:
            raise ValueError(f"schema/api/{stem}.json must have $id {expected!r}")
        for def_name, definition in document.get("$defs", {}).items():
            add(def_name, rewrite(definition, stem), f"{stem}.json#/$defs/{def_name}")
        if set(document) - _META_KEYS:
            root = {k: v for k, v in document.items() if k not in ("$schema", "$id", "$defs")}
            add(component_name(stem), rewrite(root, stem), f"{stem}.json")
    return dict(sorted(components.items(), key=lambda item: (item[0][0].islower(), item[0])))


def rewrite(node: Any, stem: str) -> Any:
    """A copy of `node` whose `$ref`s point into `#/components/schemas`."""
    if isinstance(node, list):
        return [rewrite(item, stem) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: rewrite(value, stem) for key, value in node.items()}
    if isinstance(node.get("$ref"), str):
        result["$ref"] = _component_ref(node["$ref"], stem)
    return result


def _component_ref(ref: str, stem: str) -> str:
    target, _, pointer = ref.partition("#")
    if target:
        if not target.startswith(URN_PREFIX):
            raise ValueError(f"{stem}.json: only {URN_PREFIX}… references are supported, got {ref!r}")
        stem = target[len(URN_PREFIX) :]
    if not pointer:
        return REF_PREFIX + component_name(stem)
    match = re.fullmatch(r"/\$defs/([^/]+)", pointer)
    if match is None:
        raise ValueError(f"{stem}.json: a reference must name a file or one of its $defs, got {ref!r}")
    return REF_PREFIX + match.group(1)


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF_PREFIX + name}
