"""The parameters of `jupyter mindzie run`, from files, YAML strings, -p and -r, merged as papermill does."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from jupyter_mindzie.cli.errors import UsageError
from jupyter_mindzie.cli.texts import _


def resolve_type(value: str) -> Any:
    """A `-p` value typed exactly as papermill's CLI does (`papermill.cli._resolve_type`)."""
    if value == "True":
        return True
    if value == "False":
        return False
    if value == "None":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def collect_parameters(options: argparse.Namespace) -> dict[str, Any]:
    """Every parameter source, merged in papermill's order: files, YAML strings, -p, -r."""
    parameters: dict[str, Any] = {}
    for path in options.parameters_file:
        parameters.update(_yaml_mapping(read_text(Path(path), _("parameters file")), path))
    for text in options.parameters_yaml:
        parameters.update(_yaml_mapping(text, "-y"))
    for name, value in options.parameter:
        parameters[name] = resolve_type(value)
    for name, value in options.raw_parameter:
        parameters[name] = value
    return parameters


def _yaml_mapping(text: str, origin: str) -> dict[str, Any]:
    """Parameters from YAML with papermill's loader rules (dates stay text)."""
    import yaml

    class NoDatesSafeLoader(yaml.SafeLoader):
        yaml_implicit_resolvers = {
            key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

    try:
        value = yaml.load(text, Loader=NoDatesSafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        if mark is not None:
            raise UsageError(
                _(
                    "{origin} is not valid YAML: {problem} at line {line}, column {column}",
                    origin=origin,
                    problem=problem,
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
            ) from None
        raise UsageError(_("{origin} is not valid YAML: {problem}", origin=origin, problem=problem)) from None
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise UsageError(_("{origin} must be a mapping of parameter names to values", origin=origin))
    return value


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(_("{what} {path} does not exist", what=what, path=path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(
            _("{what} {path} cannot be read: {error}", what=what, path=path, error=str(error))
        ) from None
