"""`make demo`'s last step: start JupyterLab on the seeded folder and say, once it answers, where
to go and what to click first.

Jupyter's own banner is one line among dozens; the block printed here is the last thing on the
screen. The URL comes from the server's runtime file (so a port taken by another server, and
moved on by Jupyter's port retries, is still the right one), and the token is the one this
launcher gave the server.

    python -m jupyter_mindzie.demo_server ROOT [jupyter lab options…]
"""

from __future__ import annotations

import contextlib
import json
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import Request, urlopen

from jupyter_mindzie.demo import DEMO_NOTEBOOK_NAME, DEMO_PROJECT_NAME, DEMO_TENANT_NAME

STARTUP_DEADLINE = 180.0  # seconds; a first start on a cold machine compiles every module


def lab_command(root: Path, token: str, extra: list[str]) -> list[str]:
    notebook = (root / ".mindzie" / "demo-notebook-path").read_text("utf-8").strip()
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        "--allow-root",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        f"--LabApp.default_url=/lab/tree/{notebook}",
        *extra,
    ]


def find_server(pid: int) -> dict[str, Any] | None:
    """The runtime info (url, port, base_url) the server with this process id wrote, if any."""
    from jupyter_server.serverapp import list_running_servers

    return next((info for info in list_running_servers() if info.get("pid") == pid), None)


def answers(url: str, token: str) -> bool:
    request = Request(f"{url}api/mindzie/info", headers={"Authorization": f"token {token}"})
    try:
        with urlopen(request, timeout=2) as response:
            return response.status == 200 and "version" in json.load(response)
    except (URLError, OSError, ValueError):
        return False


def wait_until_ready(process: subprocess.Popen[bytes], token: str) -> dict[str, Any] | None:
    """The server's info once its mindzie API answers; None when it exited or the deadline passed."""
    end = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < end and process.poll() is None:
        info = find_server(process.pid)
        if info and answers(info["url"], token):
            return info
        time.sleep(0.5)
    return None


def ready_block(url: str, token: str, default_url: str) -> str:
    """What to do first, in a few lines that stand out from the server's log."""
    base = url.rstrip("/")
    rule = "─" * 78
    return "\n".join(
        [
            "",
            rule,
            "  mindzie demo is ready",
            "",
            f"  Open      {base}{default_url}?token={token}",
            f"  Project   {DEMO_PROJECT_NAME} ({DEMO_TENANT_NAME})",
            "  First     click the mindzie icon in the left sidebar, choose the notebook",
            f"            “{DEMO_NOTEBOOK_NAME}” and press Run",
            f"  API       export MINDZIE_URL={base} TOKEN={token}",
            "",
            "  Stop with Ctrl+C.",
            rule,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args.pop(0) if args else "demo").resolve()
    token = secrets.token_hex(24)
    command = lab_command(root, token, args)
    default_url = next(a.split("=", 1)[1] for a in command if a.startswith("--LabApp.default_url="))
    process = subprocess.Popen(command, cwd=root)
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())  # stopping us stops the server
    try:
        info = wait_until_ready(process, token)
        if info is None:
            if process.poll() is None:
                print("mindzie demo: JupyterLab did not answer in time; see its log above.", file=sys.stderr)
                process.terminate()
            return process.wait() or 1
        print(ready_block(info["url"], token, default_url), flush=True)
        return process.wait()
    except KeyboardInterrupt:  # the terminal sent SIGINT to the server too: let it stop cleanly
        with contextlib.suppress(KeyboardInterrupt):
            return process.wait()
        process.kill()
        return 130


if __name__ == "__main__":
    sys.exit(main())
