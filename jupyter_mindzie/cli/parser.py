"""The argparse pieces every command family shares: the program's name and a one-line-error parser."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, NoReturn

from jupyter_mindzie.cli.errors import USAGE

if TYPE_CHECKING:
    # what `add_subparsers(parser_class=Parser)` returns: each family adds its commands to it
    Commands = argparse._SubParsersAction["Parser"]

PROG = "jupyter mindzie"


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (with a pointer to --help), exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(USAGE)
