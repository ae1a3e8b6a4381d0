"""`jupyter mindzie`: start a Jupyter server with the extension, or run one of its subcommands.

Without a subcommand every argument goes to `MindzieApp.launch_instance()`, so the server's own
options keep working. Subcommands are parsed with argparse (pairs like `-p NAME VALUE` and
positional ids are awkward in traitlets) and import what they need only when they run: the
server, nbclient and pandas cost seconds and `--help` or `list` needs none of them.

One module per command family adds its commands to the parser: `run` (with `parameters` and
`headless`), `remote` (list, executions, status, results, datasets), `db`, `demo` and `webhooks`
(webhook-secret).

Exit codes: 0 done; 1 the run or the server reported a failure; 2 a mistake in the command
(one line on stderr, never a traceback); 130/143 stopped by Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from jupyter_mindzie.cli import db, demo, remote, run, webhooks
from jupyter_mindzie.cli.errors import FAILED, INTERRUPTED, USAGE, CommandFailed, UsageError
from jupyter_mindzie.cli.parser import PROG, Parser
from jupyter_mindzie.cli.texts import _, local

COMMANDS = ("run", "list", "executions", "status", "results", "datasets", "db", "demo", "webhook-secret")


def main(argv: Sequence[str] | None = None) -> None:
    """The `jupyter-mindzie` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        sys.exit(run_command(args))
    if args[:1] in (["-h"], ["--help"]):
        build_parser().print_help()
        return
    if args[:1] == ["--version"]:
        from jupyter_mindzie import __version__

        print(__version__)
        return
    if args and (guess := _mistyped_command(args[0])):
        # the server would take it as a file to open and start anyway
        print(
            f"{PROG}: "
            + _(
                "error: unknown command {word!r}; did you mean {guess!r}? (see {prog} --help)",
                word=args[0],
                guess=guess,
                prog=PROG,
            ),
            file=sys.stderr,
        )
        sys.exit(USAGE)
    from jupyter_mindzie.app import MindzieApp

    MindzieApp.launch_instance(args)  # type: ignore[no-untyped-call]  # jupyter_server leaves it unannotated


def _mistyped_command(word: str) -> str | None:
    """The subcommand `word` was probably meant to be, unless it is an option or an existing file."""
    import difflib

    if word.startswith("-") or Path(word).exists():
        return None
    return next(iter(difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)), None)


def run_command(argv: Sequence[str]) -> int:
    """Parse and run one subcommand; every expected failure becomes one line and an exit code."""
    options = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = options.handler
    try:
        return handler(options)
    except UsageError as error:
        return _complain(options, error, USAGE)
    except CommandFailed as error:
        return _complain(options, error, FAILED)
    except KeyboardInterrupt:
        print(f"{options.prog}: " + _("interrupted"), file=sys.stderr)
        return INTERRUPTED


def _complain(options: argparse.Namespace, error: Exception, code: int) -> int:
    detail = local(error.args[0]) if error.args else str(error)  # LANG, as gettext reads it
    message = " ".join(str(detail).split())  # one line, whatever the message held
    print(f"{options.prog}: " + _("error: {message}", message=message), file=sys.stderr)
    return code


def build_parser() -> Parser:
    parser = Parser(
        prog=PROG,
        description=_(
            "Process-mining notebooks as a service. Without a subcommand, start a Jupyter "
            "server with the mindzie extension; every Jupyter Server option applies "
            "(see `{prog} --help-all`).",
            prog=PROG,
        ),
    )
    commands = parser.add_subparsers(title=_("subcommands"), metavar="COMMAND", parser_class=Parser)
    for family in (run, remote, db, demo, webhooks):
        family.add_commands(commands)
    return parser


if __name__ == "__main__":
    main()
