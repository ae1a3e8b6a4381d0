"""Run the benchmarks (P1–P9, or some of them) and write the results.

    python bench/run.py [--quick] [--only P1,P3] [--out bench/results]

Prints one table (what, ours, alternative, ratio, target, met?) and writes
`<out>/latest.json` (every sample) and `<out>/latest.md` (the table and the machine).
Exit code 0 even when a target is missed: the table says so; 1 when a bench failed to run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

from common import BENCH, Row, machine, rows_json, table, write_json

BENCHES = {
    "P1": "p1_latency",
    "P2": "p2_many_cells",
    "P3": "p3_list",
    "P4": "p4_queue",
    "P5": "p5_memory",
    "P6": "p6_scale",
    "P7": "p7_starter",
    "P8": "p8_datasets",
    "P9": "p9_big_results",
}


def markdown(rows: list[Row], info: dict, quick: bool, seconds: float, failed: list[str]) -> str:
    v = info["versions"]
    lines = [
        "# Latest benchmark figures" + (" (quick smoke run: smaller sizes)" if quick else ""),
        "",
        f"- Date: {info['date']}; commit {info['commit'] or 'unknown'}; the run took {seconds / 60:.1f} min",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB; {info['os']}",
        f"- Load average at start {info['load_average']} and at end {info.get('load_average_end')}: "
        "the machine is shared, so read ratios (both sides measured in the same run, interleaved), not absolute times",
        f"- Python {info['python']}; jupyter_server {v.get('jupyter_server')}, jupyter_client {v.get('jupyter_client')}, "
        f"nbclient {v.get('nbclient')}, nbformat {v.get('nbformat')}, papermill {v.get('papermill')}, "
        f"ipykernel {v.get('ipykernel')}, tornado {v.get('tornado')}",
        "- Reproduce: `make bench` (or `.venv/bin/python bench/run.py [--quick] [--only P1,P3]`)",
        "",
        table(rows),
        "",
    ]
    if failed:
        lines += [f"Failed to run: {', '.join(failed)} (see the log of the run).", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run (≤ 3 minutes): smaller sizes, fewer repetitions"
    )
    parser.add_argument("--only", default="", help="comma-separated benches, e.g. P1,P3 (default: all)")
    parser.add_argument(
        "--out", type=Path, default=BENCH / "results", help="folder for latest.json and latest.md"
    )
    args = parser.parse_args()
    chosen = [name.strip().upper() for name in args.only.split(",") if name.strip()] or list(BENCHES)
    unknown = [name for name in chosen if name not in BENCHES]
    if unknown:
        parser.error(f"unknown bench {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    info = machine()
    print(
        f"{info['cpu']}, {info['cores']} cores, load {info['load_average']}; Python {info['python']}",
        flush=True,
    )
    started = time.perf_counter()
    rows: list[Row] = []
    failed: list[str] = []
    for name in chosen:
        module = importlib.import_module(BENCHES[name])
        options = module.parser().parse_args(["--quick"] if args.quick else [])
        began = time.perf_counter()
        try:
            rows += module.main(options)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"  ({name} took {time.perf_counter() - began:.0f} s)", flush=True)
    seconds = time.perf_counter() - started
    info["load_average_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
    print("\n" + table(rows))
    if failed:
        print(f"\nFailed to run: {', '.join(failed)}")
    write_json(
        args.out / "latest.json",
        {
            "quick": args.quick,
            "seconds": round(seconds, 1),
            "machine": info,
            "failed": failed,
            "rows": rows_json(rows),
        },
    )
    (args.out / "latest.md").write_text(markdown(rows, info, args.quick, seconds, failed))
    print(f"\nwritten: {args.out / 'latest.md'}, {args.out / 'latest.json'} ({seconds / 60:.1f} min)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
