"""Request validation with the JSON Schemas in `schema/api/`, the same files that document the API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message, joined

URN_PREFIX = "urn:jupyter-mindzie:api:"


def schema_dir() -> Path:
    """`jupyter_mindzie/schema/api` in a wheel; `schema/api` beside the package in a checkout."""
    package = Path(__file__).parent.parent
    for candidate in (package / "schema" / "api", package.parent / "schema" / "api"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the schema/api folder of jupyter_mindzie is missing")


@cache
def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    schemas = {path.stem: json.loads(path.read_text("utf-8")) for path in schema_dir().glob("*.json")}
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return registry, schemas


@cache
def validator(name: str) -> Draft202012Validator:
    registry, schemas = _registry()
    return Draft202012Validator(schemas[name], registry=registry)


def schema(name: str) -> dict[str, Any]:
    return _registry()[1][name]


@cache
def _definition_validator(name: str) -> Draft202012Validator:
    registry, _ = _registry()
    return Draft202012Validator({"$ref": f"{URN_PREFIX}definitions#/$defs/{name}"}, registry=registry)


def definition_problems(name: str, instance: Any) -> list[dict[str, str]]:
    """What in `instance` breaks `definitions.json#/$defs/<name>`; empty when it is valid."""
    problems: list[dict[str, str]] = []
    for error in sorted(
        _definition_validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path)
    ):
        problems.extend(_describe(error))
    return problems


def validate(name: str, instance: Any) -> None:
    """Raise one InvalidRequest naming every field that breaks schema `name`."""
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    problems: list[dict[str, str]] = []
    for error in errors:
        problems.extend(_describe(error))
    summary = joined(
        Message("{field}: {message}", field=p["field"] or "body", message=p["message"]) for p in problems[:5]
    )
    raise InvalidRequest(Message("The request is not valid. {summary}", summary=summary), errors=problems)


def _field(path: Any, leaf: str | None = None) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    if leaf is not None:
        text = f"{text}.{leaf}" if text else leaf
    return text


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _describe(error: ValidationError) -> list[dict[str, str]]:
    """Turn one jsonschema error into messages a person can act on."""
    kind, value, path = error.validator, error.instance, error.absolute_path
    rule: Any = error.validator_value
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "required":
        missing = [name for name in rule if isinstance(value, dict) and name not in value]
        return [{"field": _field(path, name), "message": Message("is required")} for name in missing]
    if kind == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        extra = sorted(set(value) - set(known)) if isinstance(value, dict) else []
        return [
            {
                "field": _field(path, name),
                "message": Message("is not a known field (known: {known})", known=", ".join(known)),
            }
            for name in extra
        ]
    message: str
    if kind == "type":
        wanted = rule if isinstance(rule, str) else " or ".join(rule)
        message = Message("must be {wanted}, got {got}", wanted=wanted, got=_json_type(value))
    elif kind == "enum":
        allowed = ", ".join(json.dumps(v) if v is None else str(v) for v in rule)
        message = Message("must be one of: {allowed}; got {value!r}", allowed=allowed, value=value)
    elif kind == "pattern":
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        # the schema's own x-error texts are in the catalog too (see X_ERRORS)
        rule_text = (
            Message(schema["x-error"]) if "x-error" in schema else Message("must match {rule}", rule=rule)
        )
        message = Message("{rule}, got {shown}", rule=rule_text, shown=shown)
    elif kind == "minLength":
        message = (
            Message("must not be empty")
            if rule == 1
            else Message("must be at least {rule} characters", rule=rule)
        )
    elif kind == "maxLength":
        message = Message("must be at most {rule} characters", rule=rule)
    elif kind == "minimum":
        message = Message("must be at least {rule}, got {value}", rule=rule, value=value)
    elif kind == "maximum":
        message = Message("must be at most {rule}, got {value}", rule=rule, value=value)
    elif kind == "exclusiveMinimum":
        message = Message("must be more than {rule}, got {value}", rule=rule, value=value)
    elif kind == "maxProperties":
        message = Message("must have at most {rule} entries", rule=rule)
    elif kind == "maxItems":
        message = Message("must have at most {rule} items", rule=rule)
    else:
        message = error.message
    return [{"field": _field(path), "message": message}]


# The `x-error` texts of schema/api, marked for extraction (a test keeps this list complete).
X_ERRORS = (
    Message("must be 1-64 letters, digits, '-' or '_' (an nbformat cell id)"),
    Message("must be a GUID (8-4-4-4-12 hexadecimal digits) or empty"),
    Message("must be a GUID (8-4-4-4-12 hexadecimal digits)"),
    Message("must be a kernelspec name (letters, digits, '.', '_', '-')"),
    Message("must be a package name, optionally with a version specifier (e.g. 'pandas>=2')"),
    Message("must be a variable name (letters, digits, '_', not starting with a digit)"),
    Message("must be an http:// or https:// URL"),
    Message("must be an importable module name (e.g. 'process_mining_utils')"),
    Message("must contain a visible character"),
)
