"""`jupyter mindzie demo`: seed a folder with the demo project (what `make demo` uses)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from jupyter_mindzie.cli.errors import OK
from jupyter_mindzie.cli.parser import PROG
from jupyter_mindzie.cli.texts import _

if TYPE_CHECKING:
    from jupyter_mindzie.cli.parser import Commands


def add_commands(commands: Commands) -> None:
    demo = commands.add_parser(
        "demo",
        help=_("seed a demo project (event log + starter notebook)"),
        description=_(
            "Seed ROOT with the demo tenant's project: the demo event log "
            "and the process-mining starter notebook (what `make demo` uses)."
        ),
    )
    demo.add_argument("root", nargs="?", default="demo", help=_("folder to seed (default: demo)"))
    demo.set_defaults(handler=cmd_demo, prog=f"{PROG} demo")


def cmd_demo(options: argparse.Namespace) -> int:
    from jupyter_mindzie.demo import main as seed

    seed([options.root])
    return OK
