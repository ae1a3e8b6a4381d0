"""Shared parts of the benchmarks: a real `jupyter server` with the extension on loopback,
notebooks made through the API, polling, statistics and the results table.

Nothing here is imported by jupyter_mindzie; the scripts only talk HTTP to the server they
start (plus `MindzieStore` to seed rows fast in P3).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

TENANT = "5a4d1e2f-0000-4000-8000-00000000be01"
PROJECT = "5a4d1e2f-0000-4000-8000-00000000be02"
TOKEN = "mindzie-bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
TERMINAL = ("Completed", "Error", "Cancelled")
BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BIN = Path(sys.executable).parent


# -- results -----------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table: ours beside the alternative, measured in the same run."""

    bench: str
    what: str
    ours: float | None
    alternative: float | None = None
    alternative_name: str = ""
    unit: str = "s"
    target: str = ""
    met: bool | None = None  # None: no target for this line (information only)
    note: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.alternative:
            return None
        return self.ours / self.alternative


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:.3g} {unit}".strip()


def table(rows: Sequence[Row]) -> str:
    """A Markdown table: what, ours, alternative, ratio, target, met?"""
    lines = [
        "| bench | what | ours | alternative | ratio | target | met? |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        alt = f"{fmt(row.alternative, row.unit)} ({row.alternative_name})" if row.alternative_name else "–"
        ratio = _ratio(row.ratio)
        met = {True: "yes", False: "**no**", None: "–"}[row.met]
        what = row.what + (f" — {row.note}" if row.note else "")
        lines.append(
            f"| {row.bench} | {what} | {fmt(row.ours, row.unit)} | {alt} | {ratio} | {row.target or '–'} | {met} |"
        )
    return "\n".join(lines)


def _ratio(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0 or value >= 0.1:
        return f"{value:.2f}×"
    return f"1/{1 / value:.0f}"


def rows_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [{**asdict(row), "ratio": row.ratio} for row in rows]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100): a value that was really measured."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def machine() -> dict[str, Any]:
    """Where the figures come from."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in (
        "jupyter_server",
        "jupyter_client",
        "nbclient",
        "nbformat",
        "papermill",
        "ipykernel",
        "tornado",
        "jupyter_mindzie",
    ):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[name] = version(name)
    commit = ""
    with contextlib.suppress(Exception):
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "jupyter_mindzie"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        if dirty:
            commit += " (jupyter_mindzie/ has uncommitted changes)"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "commit": commit,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


# -- the server --------------------------------------------------------------------------------


_servers: list[Server] = []


class Server:
    """`jupyter server` with jupyter_mindzie, as an operator runs it: own process, own root."""

    def __init__(
        self,
        name: str,
        *,
        pool_size: int | None = 1,
        slots: int = 2,
        extra: Sequence[str] = (),
        root: Path | None = None,
    ) -> None:
        self.name = name
        self.scratch = Path(tempfile.mkdtemp(prefix=f"mindzie-bench-{name}-"))
        self.root = root or self.scratch / "root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.pool_size = pool_size
        self.slots = slots
        self.extra = list(extra)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.scratch / "server.log"
        self._kernels: set[int] = set()
        self._local = threading.local()
        self.log_text = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/{TENANT}/{PROJECT}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 90) -> Server:
        command = [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--port={self.port}",
            "--port-retries=0",
            "--ip=127.0.0.1",
            "--no-browser",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={TOKEN}",
            f"--MindzieEngine.slots={self.slots}",
            "--MindzieScheduler.enabled=False",
            *([f"--MindzieKernelPool.size={self.pool_size}"] if self.pool_size is not None else []),
            "--ServerApp.jpserver_extensions={'jupyter_mindzie': True}",
            *self.extra,
        ]
        env = dict(os.environ)
        code = os.environ.get("MINDZIE_BENCH_CODE")  # bench another checkout of jupyter_mindzie
        if code:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [code, env.get("PYTHONPATH")]))
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
            )
        _servers.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.name} exited at start:\n{self.tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/api/status", headers=HEADERS, timeout=2).ok:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"server {self.name} did not start in {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def session(self) -> requests.Session:
        """One keep-alive session per thread (a Session is not shared between threads)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers.update(HEADERS)
        return session

    def call(self, method: str, path: str, *, timeout: float = 60, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.api}/{path}"
        response = self.session().request(method, url, timeout=timeout, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {url} -> {response.status_code}: {response.text[:500]}")
        return response

    def rss_mb(self) -> float:
        """Resident memory of the server process alone (its kernels are other processes)."""
        return psutil.Process(self.pid).memory_info().rss / 2**20

    def remember_kernels(self) -> None:
        with contextlib.suppress(psutil.Error):
            self._kernels |= {p.pid for p in psutil.Process(self.pid).children(recursive=True)}

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far."""
        times = psutil.Process(self.pid).cpu_times()
        return times.user + times.system

    def pool_failures(self) -> tuple[int, int]:
        """(failed pool warm-ups, warnings about them) from the server's log; exact once it stopped
        (the pool logs its total at close), else the attempts of streaks that ended."""
        text = self.log.read_text(errors="replace") if self.log.exists() else self.log_text
        warnings = text.count("the kernel pool could not start")
        totals = [int(n) for n in re.findall(r"pool: (\d+) warm-ups failed", text)]
        if totals:
            return totals[-1], warnings
        return sum(int(n) for n in re.findall(r"again after (\d+) failed attempts", text)), warnings

    def kernel_count(self) -> int:
        return len(self.call("GET", f"{self.url}/api/kernels").json())

    def stop(self) -> None:
        """SIGTERM (the server shuts its kernels down), then make sure nothing it started is left."""
        if self.process is None:
            return
        self.remember_kernels()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for pid in self._kernels:
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
        self.process = None
        with contextlib.suppress(OSError):
            self.log_text = self.log.read_text(errors="replace")
        shutil.rmtree(self.scratch, ignore_errors=True)
        with contextlib.suppress(ValueError):
            _servers.remove(self)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is not None and exc[0] is not KeyboardInterrupt:
            print(f"--- log of server {self.name} ---\n{self.tail()}", file=sys.stderr)
        self.stop()

    # -- notebooks and runs ------------------------------------------------------------------

    def notebook(self, name: str, sources: Sequence[str]) -> tuple[str, Path]:
        """A notebook of exactly these code cells, made through the API; (its id, its file)."""
        created = self.call("POST", "notebook", json={"notebookName": name}).json()
        cells = [{"cellType": "code", "content": source} for source in sources]
        updated = self.call("PUT", f"notebook/{created['notebookId']}", json={"cells": cells}).json()
        return created["notebookId"], self.root / updated["path"]

    def submit(self, notebook_id: str, body: dict[str, Any] | None = None) -> str:
        return str(
            self.call("POST", f"notebook/{notebook_id}/execute", json=body or {}).json()["executionId"]
        )

    def status(self, notebook_id: str, execution_id: str, *, include_cells: bool = True) -> dict[str, Any]:
        query = "" if include_cells else "?includeCells=false"
        return dict(self.call("GET", f"notebook/{notebook_id}/execution/{execution_id}{query}").json())

    def wait(
        self,
        notebook_id: str,
        execution_id: str,
        *,
        poll: float = 0.02,
        timeout: float = 600,
        light: bool = False,
    ) -> dict[str, Any]:
        """Poll until terminal. `light` polls the status without its per-cell results
        (`?includeCells=false`, as `MindzieClient.wait_for_completion` does): for a 1,000-cell
        notebook those are most of the status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.status(notebook_id, execution_id, include_cells=not light)
            if state["status"] in TERMINAL:
                return state
            time.sleep(poll)
        raise TimeoutError(f"execution {execution_id} still running after {timeout:.0f} s")

    def follow(self, notebook_id: str, execution_id: str, *, timeout: float = 600) -> dict[str, Any]:
        """Wait until terminal as `MindzieClient.wait_for_completion` does: each status request
        (`?includeCells=false`) sends the last ETag back with `Prefer: wait=30`, so the server
        answers the moment the status changes."""
        url = f"notebook/{notebook_id}/execution/{execution_id}?includeCells=false"
        deadline = time.monotonic() + timeout
        etag = ""
        while time.monotonic() < deadline:
            headers = {"Prefer": "wait=30", **({"If-None-Match": etag} if etag else {})}
            response = self.call("GET", url, headers=headers, timeout=90)
            if response.status_code == 200:
                state, etag = dict(response.json()), response.headers["ETag"]
                if state["status"] in TERMINAL:
                    return state
        raise TimeoutError(f"execution {execution_id} still running after {timeout:.0f} s")

    def run(
        self,
        notebook_id: str,
        *,
        poll: float = 0.02,
        light: bool = False,
        body: dict[str, Any] | None = None,
        follow: bool = False,
    ) -> float:
        """Seconds from POST execute to seeing the terminal state; fails unless Completed.
        `follow` waits for news as the Python client does; otherwise the status is polled every `poll` s."""
        started = time.perf_counter()
        execution_id = self.submit(notebook_id, body)
        if follow:
            state = self.follow(notebook_id, execution_id)
        else:
            state = self.wait(notebook_id, execution_id, poll=poll, light=light)
        elapsed = time.perf_counter() - started
        if state["status"] != "Completed":
            raise RuntimeError(
                f"execution {execution_id} ended {state['status']}: {state.get('errorMessage')}"
            )
        return elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@atexit.register
def _stop_all() -> None:
    for server in list(_servers):
        with contextlib.suppress(Exception):
            server.stop()


def _terminate(signum: int, _frame: Any) -> None:
    _stop_all()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _terminate)


# -- the alternatives, in this process ---------------------------------------------------------


def nbclient_run(path: Path) -> float:
    """Plain nbclient: `NotebookClient(nb).execute()` on a fresh kernel (read before timing)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - started


def papermill_run(path: Path, out: Path) -> float:
    """papermill's Python API, in this process (papermill imported before timing)."""
    import papermill

    started = time.perf_counter()
    papermill.execute_notebook(
        str(path), str(out), kernel_name="python3", progress_bar=False, log_output=False, cwd=str(path.parent)
    )
    return time.perf_counter() - started


def papermill_command(path: Path, out: Path) -> float:
    """The `papermill` command, the whole process, as a scheduler or cron would run it."""
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "papermill"),
            str(path),
            str(out),
            "-k",
            "python3",
            "--no-progress-bar",
            "--cwd",
            str(path.parent),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return time.perf_counter() - started


def ten_cells(n: int = 10) -> list[str]:
    """Small cells as analysts write them: a bit of arithmetic and a printed value each."""
    return [f"value_{i} = sum(range({i} * 100))\nprint('cell {i}:', value_{i})" for i in range(n)]


# -- sampling from another thread --------------------------------------------------------------


@contextlib.contextmanager
def sampling(sample: Callable[[], float], interval: float) -> Iterator[list[float]]:
    """Call `sample` every `interval` seconds in a thread while the block runs; yields the values."""
    values: list[float] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):
                values.append(sample())
            stop.wait(interval)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield values
    finally:
        stop.set()
        thread.join(timeout=10)


def banner(text: str) -> None:
    print(f"\n== {text}", flush=True)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def stray_kernels(server: Server, settle: float = 5.0) -> int:
    """Kernel processes under the server that its kernel manager no longer knows: leaked ones.

    Waits `settle` seconds first: a kernel restarter notices a dead kernel after about 3 s."""
    time.sleep(settle)
    try:
        children = psutil.Process(server.pid).children(recursive=True)
        known = {k["id"] for k in server.call("GET", f"{server.url}/api/kernels").json()}
    except (psutil.Error, RuntimeError, requests.RequestException):
        return 0
    server.remember_kernels()
    stray = 0
    for child in children:
        with contextlib.suppress(psutil.Error):
            line = " ".join(child.cmdline())
            if "ipykernel" in line and not any(k in line for k in known):
                stray += 1
    return stray
