"""What `pip install .` gives: the server extension enabled and the prebuilt labextension."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).parent.parent


def jupyter(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, check=True, timeout=120
    )
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)


def test_the_wheel_ships_labextension_schemas_and_server_config(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("jupyter_mindzie-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = next(n.split("/")[0] for n in names if ".data/" in n)
    lab = f"{data}/data/share/jupyter/labextensions/jupyter-mindzie"
    assert f"{lab}/package.json" in names and f"{lab}/install.json" in names
    assert any(re.match(rf"{re.escape(lab)}/static/remoteEntry\.[0-9a-f]+\.js$", n) for n in names)
    assert f"{lab}/schemas/jupyter-mindzie/plugin.json" in names
    assert f"{data}/data/etc/jupyter/jupyter_server_config.d/jupyter_mindzie.json" in names
    assert "jupyter_mindzie/schema/api/notebook-create.json" in names
    assert "jupyter_mindzie/app.py" in names


def test_both_extensions_are_enabled_and_ok():
    server = jupyter("server", "extension", "list")
    assert re.search(r"jupyter_mindzie\s+enabled", server) and re.search(r"jupyter_mindzie \S+ OK", server), (
        server
    )
    lab = jupyter("labextension", "list")
    assert re.search(r"jupyter-mindzie v\S+ enabled OK", lab), lab
