"""`jupyter mindzie db check|upgrade|prune`: upkeep of the SQLite store, with no server running.

`check` reads the file read-only; `upgrade` and `prune` open it as the server would.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_mindzie.cli.errors import FAILED, OK, CommandFailed, UsageError
from jupyter_mindzie.cli.output import table
from jupyter_mindzie.cli.parser import PROG, Parser

if TYPE_CHECKING:
    from jupyter_mindzie.cli.parser import Commands
    from jupyter_mindzie.storage.sqlite import MindzieStore


def add_commands(commands: Commands) -> None:
    db = commands.add_parser(
        "db",
        help="check, upgrade or prune the metadata store",
        description="Housekeeping of the SQLite store the server keeps.",
    )
    db.set_defaults(handler=lambda _: db.error("choose check, upgrade or prune"), prog=f"{PROG} db")
    where = Parser(add_help=False)
    group = where.add_argument_group("store")
    group.add_argument("--root", default=".", help="the server's root directory (default: the current one)")
    group.add_argument("--db", metavar="PATH", help="the store file (default: ROOT/.mindzie/mindzie.db)")
    actions = db.add_subparsers(title="actions", metavar="ACTION", parser_class=Parser)
    check = actions.add_parser(
        "check",
        parents=[where],
        help="schema version, integrity and row counts",
        description="Report the store's schema version, SQLite's integrity_check and "
        "row counts, without changing anything. Exit code 1 when the store needs "
        "an upgrade or is damaged.",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(handler=cmd_db_check, prog=f"{PROG} db check")
    upgrade = actions.add_parser(
        "upgrade",
        parents=[where],
        help="migrate the store to this version's schema",
        description="Migrate the store to the schema of this jupyter-mindzie "
        "(the server also does it when it starts).",
    )
    upgrade.set_defaults(handler=cmd_db_upgrade, prog=f"{PROG} db upgrade")
    prune = actions.add_parser(
        "prune",
        parents=[where],
        help="forget old executions and their artifacts",
        description="Forget executions that ended before the given age, with their "
        "cell results and artifact folders. Running executions are kept.",
    )
    prune.add_argument(
        "--older-than", required=True, type=_age, metavar="AGE", help="an age such as 30d, 12h, 2w, 90m"
    )
    prune.add_argument(
        "--artifacts-dir",
        metavar="PATH",
        help="the executions' artifacts folder (default: executions/ beside the store)",
    )
    prune.add_argument("--dry-run", action="store_true", help="only list what would be pruned")
    prune.set_defaults(handler=cmd_db_prune, prog=f"{PROG} db prune")


_AGE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _age(text: str) -> timedelta:
    match = _AGE.match(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"must be a number and a unit (s, m, h, d, w) such as 30d, got {text!r}"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


# -- the actions ------------------------------------------------------------------------


def store_path(options: argparse.Namespace) -> Path:
    path = Path(options.db) if options.db else Path(options.root) / ".mindzie" / "mindzie.db"
    path = path.expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"no store at {path} (give --root or --db)")
    return path


def inspect_store(path: Path) -> dict[str, Any]:
    """Version, integrity and counts, read without migrating or writing anything."""
    import sqlite3

    from jupyter_mindzie.storage.migrations import SCHEMA_VERSION

    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            counts = {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables}
            running = (
                conn.execute("SELECT COUNT(*) FROM executions WHERE status = 'Running'").fetchone()[0]
                if "executions" in tables
                else 0
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise CommandFailed(f"{path} is not a readable SQLite store: {error}") from None
    return {
        "path": str(path),
        "size": path.stat().st_size,
        "schemaVersion": version,
        "currentSchemaVersion": SCHEMA_VERSION,
        "integrity": integrity,
        "counts": counts,
        "runningExecutions": running,
    }


def cmd_db_check(options: argparse.Namespace) -> int:
    from jupyter_mindzie.humanize import size

    report = inspect_store(store_path(options))
    healthy = report["integrity"] == ["ok"] and report["schemaVersion"] == report["currentSchemaVersion"]
    if options.json:
        print(json.dumps({**report, "healthy": healthy}, indent=2))
        return OK if healthy else FAILED
    version, current = report["schemaVersion"], report["currentSchemaVersion"]
    advice = (
        ""
        if version == current
        else f"; run `{PROG} db upgrade`"
        if version < current
        else "; written by a newer jupyter-mindzie"
    )
    print(f"store      {report['path']} ({size(report['size'])})")
    print(f"schema     {version} (this jupyter-mindzie: {current}){advice}")
    print(f"integrity  {'; '.join(report['integrity'][:5])}")
    print(f"running    {report['runningExecutions']} executions")
    for line in table(["TABLE", "ROWS"], [[name, count] for name, count in report["counts"].items()]):
        print(line)
    return OK if healthy else FAILED


def cmd_db_upgrade(options: argparse.Namespace) -> int:
    path = store_path(options)
    before = inspect_store(path)["schemaVersion"]
    store = open_store(path)
    after = store.schema_version
    store.close()
    print(f"{path}: schema {before} -> {after}" if after != before else f"{path}: already at schema {after}")
    return OK


def open_store(path: Path) -> MindzieStore:
    """The store, migrated to this version's schema as the server would on start."""
    from jupyter_mindzie.storage.interface import StoreTooNew
    from jupyter_mindzie.storage.sqlite import MindzieStore

    try:
        return MindzieStore(db_path=str(path))
    except StoreTooNew as error:
        raise CommandFailed(str(error)) from None


def cmd_db_prune(options: argparse.Namespace) -> int:
    from jupyter_mindzie.clock import stamp, to_iso, utcnow
    from jupyter_mindzie.humanize import size

    path = store_path(options)
    cutoff = utcnow() - options.older_than
    artifacts = Path(options.artifacts_dir).resolve() if options.artifacts_dir else path.parent / "executions"
    store = open_store(path)
    try:
        ids = prunable(store, stamp(cutoff)) if options.dry_run else store.prune_executions(stamp(cutoff))
    finally:
        store.close()
    folders = [artifacts / execution_id for execution_id in ids if (artifacts / execution_id).is_dir()]
    freed = sum(file.stat().st_size for folder in folders for file in folder.rglob("*") if file.is_file())
    if options.dry_run:
        for execution_id in ids:
            print(execution_id)
        print(
            f"would prune {len(ids)} executions that ended before {to_iso(cutoff)} "
            f"and {len(folders)} artifact folders ({size(freed)})"
        )
        return OK
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"pruned {len(ids)} executions that ended before {to_iso(cutoff)}; "
        f"removed {len(folders)} artifact folders ({size(freed)})"
    )
    return OK


class _Rollback(Exception):
    pass


def prunable(store: MindzieStore, before: str) -> list[str]:
    """What `prune_executions` would forget, found by pruning in a transaction that is rolled back,
    so a dry run can never disagree with the real one."""
    found: list[str] = []
    try:
        with store.atomic():
            found = store.prune_executions(before)
            raise _Rollback
    except _Rollback:
        pass
    return found
