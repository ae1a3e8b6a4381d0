"""Profile the server with py-spy while it runs one of the benches' workloads.

    python bench/profile.py p1|p2|p4|get [--keep stacks.folded] [--top 25]

py-spy samples the server process (not its kernels) from outside; the summary lists the
functions with the most samples, self and inclusive, with our own code (jupyter_mindzie) apart.
Needs `pip install py-spy` and permission to ptrace (root, or CAP_SYS_PTRACE).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from common import BIN, Server, ten_cells


def workload(name: str, server: Server) -> Callable[[], None]:
    """Set the workload up (not profiled) and return its profiled part."""
    if name == "p1":
        nb, _ = server.notebook("ten cells", ten_cells())
        time.sleep(3)

        def p1() -> None:
            for _ in range(8):
                time.sleep(2)
                server.run(nb)

        return p1
    if name == "p2":
        nb, _ = server.notebook("many cells", ten_cells(1000))
        return lambda: server.run(nb, light=True) and None
    nb, _ = server.notebook("ten cells", ten_cells())
    if name == "get":
        execution_id = server.submit(nb)
        server.wait(nb, execution_id)

        def get() -> None:
            for _ in range(300):
                server.status(nb, execution_id)
                server.call("GET", "notebooks")

        return get

    def p4() -> None:
        ids = [server.submit(nb) for _ in range(20)]
        stop = threading.Event()

        def reader() -> None:
            while not stop.is_set():
                server.status(nb, ids[0])
                server.call("GET", "notebooks")
                time.sleep(0.05)

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        for execution_id in ids:
            server.wait(nb, execution_id, poll=0.2)
        stop.set()
        thread.join()

    return p4


def summarize(raw: Path, top: int) -> str:
    """Self and inclusive sample counts per function from py-spy's collapsed stacks."""
    own, inclusive = collections.Counter(), collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    lines = [f"{total} samples (non-idle) of the server process"]
    ours = [(f, c) for f, c in inclusive.most_common() if "jupyter_mindzie" in f]
    lines.append("\n-- inclusive, our code --")
    lines += [f"{100 * c / total:5.1f}%  {f}" for f, c in ours[:top]]
    lines.append("\n-- inclusive, everything --")
    lines += [f"{100 * c / total:5.1f}%  {f}" for f, c in inclusive.most_common(top)]
    lines.append("\n-- self --")
    lines += [f"{100 * c / total:5.1f}%  {f}" for f, c in own.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "workload",
        choices=("p1", "p2", "p4", "get"),
        help="get: 300 status and 300 list requests on an idle server",
    )
    parser.add_argument(
        "--keep", type=Path, help="keep the folded stacks here (speedscope and inferno read them)"
    )
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument(
        "--pool",
        type=int,
        default=None,
        help="MindzieKernelPool.size (default: 1 for p1, 0 for p2, 1 for p4)",
    )
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(BIN / "py-spy")
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    pool = args.pool if args.pool is not None else (0 if args.workload == "p2" else 1)
    slots = 4 if args.workload == "p4" else 2
    with Server(f"profile-{args.workload}", pool_size=pool, slots=slots) as server:
        profiled = workload(args.workload, server)
        raw = server.scratch / "profile.txt"
        spy = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(server.pid),
                "--rate",
                str(args.rate),
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            time.sleep(1)
            profiled()
        finally:
            spy.send_signal(2)  # py-spy writes its output on SIGINT
            spy.wait(timeout=60)
        if args.keep:
            shutil.copy(raw, args.keep)
        print(summarize(raw, args.top))


if __name__ == "__main__":
    main()
