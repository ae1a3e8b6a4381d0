"""Talking to a kernel: the channels a run opens, a warm kernel's client, and nbclient with ceilings.

Shared by the pool (which connects kernels ahead of time) and the runner (which runs cells on
them), so neither imports the other.
"""

from __future__ import annotations

import contextlib
import queue
import time
from dataclasses import dataclass
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbformat import NotebookNode

from jupyter_mindzie import humanize

# A run talks to its kernel on shell and IOPub only: no input, and the kernel manager (not a
# heartbeat thread per client) tells whether the kernel lives. Fewer sockets and no thread to join.
CHANNELS = {"shell": True, "iopub": True, "stdin": False, "hb": False, "control": False}


@dataclass
class WarmKernel:
    """A started kernel with a connected client, and the kernel_info reply that proved it."""

    kernel_id: str
    client: Any
    info: dict[str, Any]

    async def disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await ensure_async(self.client.stop_channels())


async def confirm_iopub(client: Any, timeout: float, attempt_seconds: float = 0.25) -> dict[str, Any]:
    """Make sure `client` hears the kernel's IOPub; return a kernel_info reply.

    ZeroMQ drops what a kernel publishes before a new subscription takes hold, and a run that
    missed a cell's idle status would wait for ever. `wait_for_ready` only flushes IOPub for a
    fixed 0.2 s; here kernel_info is asked until its idle status is seen on IOPub.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg_id = await ensure_async(client.kernel_info())
        reply = await ensure_async(client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic())))
        if reply["parent_header"].get("msg_id") != msg_id:
            continue
        heard_by = time.monotonic() + attempt_seconds
        while (left := heard_by - time.monotonic()) > 0:
            try:
                msg = await ensure_async(client.get_iopub_msg(timeout=left))
            except queue.Empty:
                break
            if (
                msg["parent_header"].get("msg_id") == msg_id
                and msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"
            ):
                return dict(reply)
    raise TimeoutError("the kernel did not answer on its IOPub channel")


class BoundedNotebookClient(NotebookClient):
    """nbclient with a ceiling on kept output: a cell that floods stdout cannot flood the server.

    Past a cell's (or the run's) limit further outputs are dropped, with one visible notice,
    and the cell is marked `metadata.mindzie.outputTruncated`.
    """

    def __init__(
        self, nb: NotebookNode, *, max_cell_output_bytes: int, max_output_bytes: int, **kwargs: Any
    ) -> None:
        super().__init__(nb, **kwargs)
        self.max_cell_output_bytes = max_cell_output_bytes
        self.max_output_bytes = max_output_bytes
        self._cell_bytes: dict[int, int] = {}
        self._total_bytes = 0
        self.replies: dict[int, dict[str, Any]] = {}  # cell index -> its execute_reply content

    async def _check_raise_for_error(
        self, cell: NotebookNode, cell_index: int, exec_reply: dict[str, Any] | None
    ) -> None:
        """Keep each cell's execute_reply: a kernel may reply `error` without an error output
        (IPython's UsageError for an unknown magic), and that cell failed all the same."""
        if exec_reply is not None:
            self.replies[cell_index] = exec_reply.get("content", {})
        await super()._check_raise_for_error(cell, cell_index, exec_reply)

    def keep_widget_state(self) -> None:
        """Write `metadata.widgets` for the widgets this run displayed, as nbclient's own run does."""
        self.set_widgets_metadata()

    def output(
        self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None, cell_index: int
    ) -> NotebookNode | None:
        size = _content_size(msg.get("content", {}))
        used = self._cell_bytes.get(cell_index, 0)
        if used + size > self.max_cell_output_bytes or self._total_bytes + size > self.max_output_bytes:
            cell = self.nb.cells[cell_index]
            marks = cell.metadata.setdefault("mindzie", {})
            if not marks.get("outputTruncated"):
                marks["outputTruncated"] = True
                limit = min(self.max_cell_output_bytes, self.max_output_bytes)
                text = (
                    f"[mindzie] output truncated: this run keeps at most {humanize.size(limit)} of output\n"
                )
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=text))
            return None
        self._cell_bytes[cell_index] = used + size
        self._total_bytes += size
        return super().output(outs, msg, display_id, cell_index)


def _content_size(content: dict[str, Any]) -> int:
    """About how many bytes an output message keeps, without serialising it again."""
    size = len(content.get("text", "") or "")
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else 1024
    size += sum(len(line) for line in content.get("traceback", []) or [])
    return size


def kernel_pid(km: Any) -> int | None:
    """The local kernel's process id; None for a remote (gateway) kernel."""
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    return pid if isinstance(pid, int) else None
