"""What the server's kernels offer: known kernelspecs, and which packages a kernel lacks.

Works over the server's own kernel spec manager, so gateway mode lists the gateway's kernels.
Nothing is ever installed: missing packages only become warnings.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_async
from traitlets import Any as AnyTrait
from traitlets import Float
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message

# Runs inside the kernel's interpreter, isolated (`-I`: neither the working folder nor PYTHON*
# variables on sys.path) and never importing what it looks for: a requirement is present when
# its distribution is installed (importlib.metadata reads files only) or its module can be
# found. A dotted name is found part by part with PathFinder, which looks at files and runs
# none: `find_spec("pkg.sub")` would import `pkg`, and a project folder's `pkg/__init__.py` is
# anyone's code. The project folder (and the kernelspec's PYTHONPATH) are searched the same
# way, as folders, since the kernel runs there and may import from them.
# Its version specifier is checked with `packaging` where the kernel's environment has it.
_PROBE = r"""
import importlib.machinery as machinery, importlib.metadata as md, json, re, sys
try:
    from packaging.requirements import Requirement
except ImportError:
    Requirement = None
folders = json.loads(sys.argv[2])

def findable(module):
    parts = module.split(".")
    if not all(part.isidentifier() for part in parts):
        return False
    spec = machinery.PathFinder.find_spec(parts[0], [*folders, *sys.path])
    if spec is None and parts[0] in sys.builtin_module_names:
        return len(parts) == 1
    for part in parts[1:]:
        locations = spec.submodule_search_locations if spec is not None else None
        if not locations:
            return False
        spec = machinery.PathFinder.find_spec(part, list(locations))
    return spec is not None

report = {"missing": [], "mismatched": {}, "unchecked": []}
for requirement in json.loads(sys.argv[1]):
    name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
    try:
        installed = md.version(name)
    except Exception:
        installed = None
    if installed is None:
        try:
            found = findable(name.replace("-", "_"))
        except Exception:
            found = False
        if not found:
            report["missing"].append(requirement)
        continue
    if Requirement is None:
        if re.search(r"[<>=!~]", requirement):
            report["unchecked"].append(requirement)
        continue
    try:
        specifier = Requirement(requirement).specifier
    except Exception:
        continue
    if specifier and not specifier.contains(installed, prereleases=True):
        report["mismatched"][requirement] = installed
print(json.dumps(report))
"""


class MindzieKernelCatalog(LoggingConfigurable):
    """Kernelspecs the server knows, and a check of a notebook's requirements against one."""

    kernel_spec_manager = AnyTrait(help="The server's kernel spec manager.")
    probe_timeout = Float(
        20.0, config=True, help="Seconds allowed for checking a kernel's installed packages."
    )

    async def specs(self) -> dict[str, dict[str, Any]]:
        specs = await ensure_async(self.kernel_spec_manager.get_all_specs())
        return {name: entry.get("spec", entry) for name, entry in specs.items()}

    async def require(self, name: str, field: str = "kernelType") -> dict[str, str]:
        """The kernelspec summary stored in notebook metadata, or a 400 listing the choices."""
        specs = await self.specs()
        resolved = resolve_name(name, specs)
        if resolved is None:
            available = ", ".join(sorted(specs)) or Message("none")
            raise InvalidRequest.for_field(
                field,
                Message(
                    "kernel {name!r} is not available on this server; available: {available}",
                    name=name,
                    available=available,
                ),
            )
        return self.summary(resolved, specs[resolved])

    async def resolve(self, name: str) -> str | None:
        """The kernelspec `name` means, as jupyter_client reads it (see `resolve_name`)."""
        return resolve_name(name, await self.specs())

    @staticmethod
    def summary(name: str, spec: dict[str, Any]) -> dict[str, str]:
        return {
            "name": name,
            "display_name": spec.get("display_name", name),
            "language": spec.get("language", "python"),
        }

    async def language_info(self, name: str) -> dict[str, Any]:
        """What the kernel will report as `language_info`, so JupyterLab does not see a new
        notebook as modified the moment its kernel connects. Known only for a Python kernel
        running the server's own interpreter; otherwise just the language's name."""
        spec = (await self.specs()).get(name) or {}
        language = spec.get("language", "python")
        if language != "python" or _python_of(spec) != sys.executable:
            return {"name": language}
        return {
            "name": "python",
            "version": platform.python_version(),
            "mimetype": "text/x-python",
            "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
            "pygments_lexer": f"ipython{sys.version_info[0]}",
            "nbconvert_exporter": "python",
            "file_extension": ".py",
        }

    async def language(self, name: str) -> str | None:
        spec = (await self.specs()).get(name)
        return spec.get("language") if spec else None

    async def run_arguments(self, name: str) -> list[str]:
        """Extra command-line arguments for a run's kernel of this kernelspec (see `run_arguments`)."""
        return run_arguments((await self.specs()).get(name) or {})

    async def missing(
        self, name: str, packages: list[str], libraries: list[str], cwd: Path | None
    ) -> list[dict[str, str]]:
        """Warnings for requirements the kernel's environment lacks (or cannot be checked)."""
        wanted = [("environment.packages", p) for p in packages] + [
            ("environment.customLibraries", m) for m in libraries
        ]
        if not wanted:
            return []
        spec = (await self.specs()).get(name)
        remote = type(self.kernel_spec_manager).__name__.startswith("Gateway")
        interpreter = _python_of(spec) if spec and not remote else None
        if interpreter is None:
            return [
                {
                    "code": "requirements-unchecked",
                    "field": "environment",
                    "message": Message(
                        "the packages of kernel {name!r} cannot be checked from the server", name=name
                    ),
                }
            ]
        try:
            report = await self._probe(interpreter, [req for _, req in wanted], spec or {}, cwd)
        except (TimeoutError, OSError, ValueError) as error:
            self.log.warning("mindzie: could not check packages of kernel %s: %s", name, error)
            return [
                {
                    "code": "requirements-unchecked",
                    "field": "environment",
                    "message": Message(
                        "the packages of kernel {name!r} could not be checked: {error}",
                        name=name,
                        error=str(error),
                    ),
                }
            ]
        warnings = []
        for field, requirement in wanted:
            if requirement in report["missing"]:
                code, message = (
                    "missing-package",
                    Message(
                        "{requirement!r} is not installed in the environment of kernel {name!r}",
                        requirement=requirement,
                        name=name,
                    ),
                )
            elif requirement in report["mismatched"]:
                installed = report["mismatched"][requirement]
                code = "package-version-mismatch"
                message = Message(
                    "{requirement!r} is not met in the environment of kernel {name!r}: version {installed} is installed",
                    requirement=requirement,
                    name=name,
                    installed=installed,
                )
            elif requirement in report["unchecked"]:
                code = "package-version-unchecked"
                message = Message(
                    "the version of {requirement!r} cannot be checked: kernel {name!r} has no 'packaging' module",
                    requirement=requirement,
                    name=name,
                )
            else:
                continue
            warnings.append({"code": code, "field": field, "message": message})
        return warnings

    async def _probe(
        self, interpreter: str, requirements: list[str], spec: dict[str, Any], cwd: Path | None
    ) -> dict[str, Any]:
        """What the probe found: `missing` requirements, `mismatched` ones (with the installed
        version) and `unchecked` version specifiers."""
        env = {**os.environ, **spec.get("env", {})}
        folders = [str(cwd)] if cwd and cwd.is_dir() else []
        folders += [part for part in env.get("PYTHONPATH", "").split(os.pathsep) if part]
        process = await asyncio.create_subprocess_exec(
            interpreter,
            "-I",  # isolated: nothing of the project folder or the environment on sys.path
            "-c",
            _PROBE,
            json.dumps(requirements),
            json.dumps(folders),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            stdin=asyncio.subprocess.DEVNULL,
            cwd=tempfile.gettempdir(),  # a folder of nobody's modules
            env=env,
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), self.probe_timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        report: dict[str, Any] = json.loads(out.decode("utf-8") or "{}")
        return {
            "missing": report.get("missing", []),
            "mismatched": report.get("mismatched", {}),
            "unchecked": report.get("unchecked", []),
        }


def resolve_name(name: str, specs: dict[str, Any]) -> str | None:
    """The kernelspec a notebook's kernel name means, as jupyter_client resolves it: names are
    case-insensitive, and `python` is the native Python kernel (`python3`) unless a spec of that
    name exists. None when no spec matches."""
    for candidate in (name, name.lower()):
        if candidate in specs:
            return candidate
    if name.lower() in ("python", "python3") and "python3" in specs:
        return "python3"
    return None


def for_language(language: str, specs: dict[str, Any]) -> str | None:
    """A kernelspec for a notebook that names only its kernel's language: the native kernel for
    Python, else the first spec (by name) of that language."""
    if language.lower() == "python" and "python3" in specs:
        return "python3"
    matches = sorted(
        n for n, spec in specs.items() if str(spec.get("language", "")).lower() == language.lower()
    )
    return matches[0] if matches else None


def run_arguments(spec: dict[str, Any]) -> list[str]:
    """IPython keeps a run's cells in memory, not in the user's history database, as nbclient
    and papermill have it: a headless run's cells are not the user's history, and the database
    write after every cell costs more than half a millisecond a cell. Only for ipykernel, whose
    command line takes the option."""
    if any("ipykernel" in str(part) for part in spec.get("argv") or []):
        return ["--HistoryManager.hist_file=:memory:"]
    return []


def _python_of(spec: dict[str, Any]) -> str | None:
    """The interpreter a local Python kernelspec starts, as jupyter_client resolves it."""
    argv = spec.get("argv") or []
    if spec.get("language") != "python" or not argv:
        return None
    command = argv[0]
    short = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
    if command in short:
        return sys.executable
    return command if Path(command).name.startswith("python") else None
