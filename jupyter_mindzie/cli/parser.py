"""The argparse pieces every command family shares: the program's name and a one-line-error parser."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from jupyter_mindzie.cli.errors import USAGE
from jupyter_mindzie.cli.texts import _

if TYPE_CHECKING:
    # what `add_subparsers(parser_class=Parser)` returns: each family adds its commands to it
    Commands = argparse._SubParsersAction["Parser"]

PROG = "jupyter mindzie"


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (with a pointer to --help), exit code 2.

    Its own words (usage:, the section titles, -h's help) follow the user's language as ours
    do; argparse's messages about a command line it cannot parse stay its own (English).
    """

    def __init__(self, *, add_help: bool = True, **kwargs: Any) -> None:
        super().__init__(add_help=False, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help=_("show this help message and exit"),
            )

    def _get_formatter(self) -> argparse.HelpFormatter:
        formatter = super()._get_formatter()
        formatter.add_usage = _usage_in_language(formatter.add_usage)  # type: ignore[method-assign]
        return formatter

    def error(self, message: str) -> NoReturn:
        print(
            f"{self.prog}: " + _("error: {message} (see {prog} --help)", message=message, prog=self.prog),
            file=sys.stderr,
        )
        sys.exit(USAGE)


def _usage_in_language(add_usage: Callable[..., None]) -> Callable[..., None]:
    """HelpFormatter.add_usage with the "usage: " prefix in the user's language."""

    def localized(usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)

    return localized
