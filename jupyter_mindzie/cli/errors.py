"""How a command ends: its exit codes and the two failures it may end with.

These are not MindzieErrors: they never become an HTTP problem, only a line on stderr and an
exit code, and server code catching `MindzieError` must never see them.
"""

from __future__ import annotations

import signal

OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130
SIGNAL_EXIT: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


class UsageError(Exception):
    """A mistake in the command line or its files: one line on stderr, exit code 2."""


class CommandFailed(Exception):
    """The server or the store said no, or could not be reached: one line on stderr, exit code 1."""
