"""What a pooled kernel imports before a run adopts it, and the code that imports it cleanly.

A process-mining run spends most of its first second importing pandas, matplotlib and
scikit-learn. A pooled kernel imports them while nobody waits, so the run finds them in
`sys.modules`. The user's namespace stays empty: imports happen inside a function that is
deleted afterwards, so `%who` shows nothing and the run still sees a kernel nobody used.

The modules come from the import statements of the templates (the default) and of the last
runs of each kernelspec (learned, bounded). Nothing here talks to a kernel.
"""

from __future__ import annotations

import ast
import json
import re
from collections import OrderedDict
from collections.abc import Iterable

# A dotted module name and nothing else: learned names come from users' code.
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_MAGIC = re.compile(r"^\s*[%!]")


def imported_modules(sources: Iterable[str]) -> list[str]:
    """The modules `sources` (cells of Python code) import, in order of first appearance.

    `from a.b import c` names `a.b` and `a.b.c` (c may be a submodule, as in `from
    matplotlib import pyplot`); a name that is no module fails quietly at preload. Cells that
    do not parse, even without their IPython magics, are skipped.
    """
    found: dict[str, None] = {}
    for source in sources:
        tree = _parse(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names if a.name != "*")]
            else:
                continue
            for name in names:
                if _MODULE.match(name):
                    found.setdefault(name, None)
    return list(found)


def _parse(source: str) -> ast.Module | None:
    for text in (source, "\n".join("" if _MAGIC.match(line) else line for line in source.splitlines())):
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError):
            continue
    return None


def template_modules() -> list[str]:
    """What the Python templates import: the default of `MindzieKernelPool.preload`."""
    from jupyter_mindzie.notebooks.templates import TEMPLATES, template_cells

    sources = [
        cell.source
        for template in TEMPLATES
        for cell in template_cells(template, "python", None)
        if cell.cell_type == "code"
    ]
    return imported_modules(sources)


class LearnedImports:
    """The modules the last runs of each kernelspec imported, most recent first, at most `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._by_kernel: dict[str, OrderedDict[str, None]] = {}

    def learn(self, kernel_name: str, modules: Iterable[str]) -> None:
        if self.limit <= 0:
            return
        known = self._by_kernel.setdefault(kernel_name, OrderedDict())
        for name in modules:
            known[name] = None
            known.move_to_end(name, last=False)
        while len(known) > self.limit:
            known.popitem()

    def modules(self, kernel_name: str) -> list[str]:
        return list(self._by_kernel.get(kernel_name, ()))


def preload_code(modules: Iterable[str]) -> str:
    """Python that imports `modules` and leaves no name behind in the user's namespace.

    Missing modules are skipped (the default names what the templates import "when
    installed"). With pyplot among them, one figure is drawn and closed: the first figure of
    a kernel costs about 0.2 s more than the next (fonts, the renderer). The working directory is taken off `sys.path` meanwhile: a pooled kernel
    imports only installed modules, never a file that happens to sit in its folder.
    """
    names = json.dumps([name for name in modules if _MODULE.match(name)])
    return f"""\
def _mindzie_preload(names):
    import importlib, os, sys
    here = os.getcwd()
    saved = sys.path[:]
    sys.path[:] = [p for p in saved if p and os.path.abspath(p) != here]
    try:
        for name in names:
            try:
                importlib.import_module(name)
            except BaseException:
                pass
    finally:
        sys.path[:] = saved
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:  # the first figure loads fonts and the renderer: draw one nobody sees
        import io
        try:
            figure = plt.figure(figsize=(1, 1))
            figure.add_subplot().set_title("warm")
            figure.savefig(io.BytesIO(), format="png")
            plt.close(figure)
        except Exception:
            pass
_mindzie_preload({names})
del _mindzie_preload
"""
