"""`jupyter mindzie db check|upgrade|prune`: upkeep of the store, SQLite or PostgreSQL.

`check` only reads (a SQLite file is opened read-only); `upgrade` and `prune` open the store as
the server would. `--db-url` takes the server's `MindzieApp.db_url`; without it the SQLite file
under `--root` (or `--db`) is meant.
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
from jupyter_mindzie.cli.output import labelled, table
from jupyter_mindzie.cli.parser import PROG, Parser
from jupyter_mindzie.cli.texts import _, local_size, moment

if TYPE_CHECKING:
    from jupyter_mindzie.cli.parser import Commands
    from jupyter_mindzie.storage.sql import SqlStore


def add_commands(commands: Commands) -> None:
    db = commands.add_parser(
        "db",
        help=_("check, upgrade or prune the metadata store"),
        description=_("Housekeeping of the store the server keeps (SQLite or PostgreSQL)."),
    )
    db.set_defaults(handler=lambda _o: db.error(_("choose check, upgrade or prune")), prog=f"{PROG} db")
    where = Parser(add_help=False)
    group = where.add_argument_group(_("store"))
    group.add_argument(
        "--root", default=".", help=_("the server's root directory (default: the current one)")
    )
    group.add_argument("--db", metavar="PATH", help=_("the store file (default: ROOT/.mindzie/mindzie.db)"))
    group.add_argument(
        "--db-url",
        metavar="URL",
        help=_("the store as the server's MindzieApp.db_url names it: sqlite:///PATH or postgresql://…"),
    )
    actions = db.add_subparsers(title=_("actions"), metavar="ACTION", parser_class=Parser)
    check = actions.add_parser(
        "check",
        parents=[where],
        help=_("schema version, integrity and row counts"),
        description=_(
            "Report the store's schema version, SQLite's integrity_check and row counts (PostgreSQL: "
            "version and counts), without changing anything. Exit code 1 when the store needs an "
            "upgrade or is damaged."
        ),
    )
    check.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    check.set_defaults(handler=cmd_db_check, prog=f"{PROG} db check")
    upgrade = actions.add_parser(
        "upgrade",
        parents=[where],
        help=_("migrate the store to this version's schema"),
        description=_(
            "Migrate the store to the schema of this jupyter-mindzie (the server also does it when it starts)."
        ),
    )
    upgrade.set_defaults(handler=cmd_db_upgrade, prog=f"{PROG} db upgrade")
    prune = actions.add_parser(
        "prune",
        parents=[where],
        help=_("forget old executions and their artifacts"),
        description=_(
            "Forget executions that ended before the given age, with their cell results and artifact "
            "folders. Running executions are kept."
        ),
    )
    prune.add_argument(
        "--older-than", required=True, type=_age, metavar="AGE", help=_("an age such as 30d, 12h, 2w, 90m")
    )
    prune.add_argument(
        "--artifacts-dir",
        metavar="PATH",
        help=_(
            "the executions' artifacts folder (default: executions/ beside the SQLite file, "
            "ROOT/.mindzie/executions with PostgreSQL)"
        ),
    )
    prune.add_argument("--dry-run", action="store_true", help=_("only list what would be pruned"))
    prune.set_defaults(handler=cmd_db_prune, prog=f"{PROG} db prune")


_AGE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _age(text: str) -> timedelta:
    match = _AGE.match(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            _("must be a number and a unit (s, m, h, d, w) such as 30d, got {text!r}", text=text)
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


# -- the actions ------------------------------------------------------------------------


def store_path(options: argparse.Namespace) -> Path:
    """The SQLite file meant (it must exist: these commands never create a store)."""
    from jupyter_mindzie.storage.urls import sqlite_path

    if options.db_url:
        path = Path(sqlite_path(options.db_url))
    else:
        path = Path(options.db) if options.db else Path(options.root) / ".mindzie" / "mindzie.db"
    path = path.expanduser().resolve()
    if not path.is_file():
        raise UsageError(_("no store at {path} (give --root, --db or --db-url)", path=path))
    return path


def postgres_url(options: argparse.Namespace) -> str | None:
    from jupyter_mindzie.storage.urls import is_postgres

    return options.db_url if options.db_url and is_postgres(options.db_url) else None


def inspect(options: argparse.Namespace) -> dict[str, Any]:
    url = postgres_url(options)
    return inspect_postgres(url) if url else inspect_store(store_path(options))


def inspect_postgres(url: str) -> dict[str, Any]:
    """Version and counts of a PostgreSQL store, read in a read-only session."""
    try:
        import psycopg
        from psycopg.rows import dict_row
    except ImportError:
        raise CommandFailed(
            _("a postgresql:// store needs psycopg: pip install 'jupyter-mindzie[postgres]'")
        ) from None
    from jupyter_mindzie.storage import pg_migrations
    from jupyter_mindzie.storage.postgres import redacted

    def count(conn: Any, sql: str) -> int:
        return int(conn.execute(sql).fetchone()["n"])

    try:
        with psycopg.connect(url, row_factory=dict_row) as conn:
            conn.read_only = True
            version = pg_migrations.schema_version(conn)
            tables = [
                row["table_name"]
                for row in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                    "AND table_name <> 'mindzie_schema' ORDER BY table_name"
                )
            ]
            counts = {name: count(conn, f'SELECT COUNT(*) AS n FROM "{name}"') for name in tables}
            running = (
                count(conn, "SELECT COUNT(*) AS n FROM executions WHERE status = 'Running'")
                if "executions" in tables
                else 0
            )
            size = count(conn, "SELECT pg_database_size(current_database()) AS n")
    except psycopg.Error as error:
        raise CommandFailed(
            _("{url} is not a reachable PostgreSQL store: {error}", url=redacted(url), error=str(error))
        ) from None
    return {
        "path": redacted(url),
        "size": size,
        "schemaVersion": version,
        "currentSchemaVersion": pg_migrations.SCHEMA_VERSION,
        "integrity": ["ok"],  # PostgreSQL checks its own pages; reachable with our schema is all we check
        "counts": counts,
        "runningExecutions": running,
    }


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
        raise CommandFailed(
            _("{path} is not a readable SQLite store: {error}", path=path, error=str(error))
        ) from None
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
    report = inspect(options)
    healthy = report["integrity"] == ["ok"] and report["schemaVersion"] == report["currentSchemaVersion"]
    if options.json:
        print(json.dumps({**report, "healthy": healthy}, indent=2))
        return OK if healthy else FAILED
    version, current = report["schemaVersion"], report["currentSchemaVersion"]
    if version == current:
        schema = _("{version} (this jupyter-mindzie: {current})", version=version, current=current)
    elif version < current:
        schema = _(
            "{version} (this jupyter-mindzie: {current}); run `{prog} db upgrade`",
            version=version,
            current=current,
            prog=PROG,
        )
    else:
        schema = _(
            "{version} (this jupyter-mindzie: {current}); written by a newer jupyter-mindzie",
            version=version,
            current=current,
        )
    for line in labelled(
        [
            (_("store"), _("{path} ({size})", path=report["path"], size=local_size(report["size"]))),
            (_("schema"), schema),
            (_("integrity"), "; ".join(report["integrity"][:5])),
            (_("running"), _("{count} executions", count=report["runningExecutions"])),
        ]
    ):
        print(line)
    rows = [[name, count] for name, count in report["counts"].items()]
    for line in table([_("TABLE"), _("ROWS")], rows):
        print(line)
    return OK if healthy else FAILED


def cmd_db_upgrade(options: argparse.Namespace) -> int:
    report = inspect(options)
    label, before = report["path"], report["schemaVersion"]
    store = open_store(options)
    after = store.schema_version
    store.close()
    print(
        _("{label}: schema {before} -> {after}", label=label, before=before, after=after)
        if after != before
        else _("{label}: already at schema {after}", label=label, after=after)
    )
    return OK


def open_store(options: argparse.Namespace) -> SqlStore:
    """The store, migrated to this version's schema as the server would on start."""
    from jupyter_mindzie.storage.interface import StoreTooNew
    from jupyter_mindzie.storage.urls import open_store as open_url

    url = postgres_url(options)
    data = Path(options.root).expanduser().resolve() / ".mindzie"
    try:
        if url:
            return open_url(url, data_path=str(data))
        return open_url(f"sqlite:///{store_path(options)}")
    except StoreTooNew as error:
        raise CommandFailed(*error.args) from None  # a Message: translated when printed


def cmd_db_prune(options: argparse.Namespace) -> int:
    from jupyter_mindzie.clock import stamp, to_iso, utcnow
    from jupyter_mindzie.execution.idempotency import KEPT

    cutoff = utcnow() - options.older_than
    store = open_store(options)
    artifacts = (
        Path(options.artifacts_dir).resolve() if options.artifacts_dir else store.data_dir / "executions"
    )
    try:
        ids = prunable(store, stamp(cutoff)) if options.dry_run else store.prune_executions(stamp(cutoff))
        # Idempotency-Keys answer for 24 hours whatever --older-than says; then they are forgotten.
        keys = 0 if options.dry_run else store.prune_idempotency_keys(stamp(utcnow() - KEPT))
    finally:
        store.close()
    folders = [artifacts / execution_id for execution_id in ids if (artifacts / execution_id).is_dir()]
    freed = sum(file.stat().st_size for folder in folders for file in folder.rglob("*") if file.is_file())
    if options.dry_run:
        for execution_id in ids:
            print(execution_id)
        print(
            _(
                "would prune {count} executions that ended before {cutoff} "
                "and {folders} artifact folders ({size})",
                count=len(ids),
                cutoff=moment(to_iso(cutoff)),
                folders=len(folders),
                size=local_size(freed),
            )
        )
        return OK
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        _(
            "pruned {count} executions that ended before {cutoff}; removed {folders} artifact folders ({size})",
            count=len(ids),
            cutoff=moment(to_iso(cutoff)),
            folders=len(folders),
            size=local_size(freed),
        )
    )
    print(_("forgot {count} idempotency keys older than 24 hours", count=keys))
    return OK


class _Rollback(Exception):
    pass


def prunable(store: SqlStore, before: str) -> list[str]:
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
