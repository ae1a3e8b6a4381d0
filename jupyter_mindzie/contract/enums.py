"""The API's enumerations, written once for the Python side (tests check them against schema/api).

The values are the vendor's: clients compare them as strings, so they never change or translate.
"""

from __future__ import annotations

from typing import Final, Literal

NotebookStatus = Literal["Ready", "Running", "Error", "Kernel_Dead"]
ExecutionStatus = Literal["Running", "Completed", "Error", "Cancelled"]
Phase = Literal["Queued", "Starting", "Executing", "Finishing", "Completed", "Error", "Cancelled"]
Priority = Literal["Low", "Normal", "High"]
CellStatus = Literal["Success", "Error", "Skipped", "Pending", "Running"]

NOTEBOOK_STATUSES: Final = ("Ready", "Running", "Error", "Kernel_Dead")
EXECUTION_STATUSES: Final = ("Running", "Completed", "Error", "Cancelled")
TERMINAL_STATUSES: Final = ("Completed", "Error", "Cancelled")
"""An execution's status after `Running`: exactly one of these, once."""
PHASES: Final = ("Queued", "Starting", "Executing", "Finishing", *TERMINAL_STATUSES)
PRIORITIES: Final = ("Low", "Normal", "High")
PRIORITY_RANK: Final = {"High": 0, "Normal": 1, "Low": 2}
"""Queue order: High before Normal before Low (FIFO within one)."""
CELL_STATUSES: Final = ("Success", "Error", "Skipped", "Pending", "Running")

PENDING: Final = "Pending"
RUNNING: Final = "Running"
SKIPPED: Final = "Skipped"


def is_terminal(status: str) -> bool:
    """Whether an execution with this status has ended."""
    return status in TERMINAL_STATUSES
