"""Talking to a kernel: the channels a run opens, a warm kernel's client, and nbclient with ceilings.

Shared by the pool (which connects kernels ahead of time) and the runner (which runs cells on
them), so neither imports the other.
"""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Awaitable, Callable
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
    pid: int | None = None  # of a local kernel, for its priority

    async def disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await ensure_async(self.client.stop_channels())


async def confirm_iopub(
    client: Any,
    timeout: float,
    attempt_seconds: float = 0.25,
    alive: Callable[[], Awaitable[bool]] | None = None,
) -> dict[str, Any]:
    """Make sure `client` hears the kernel's IOPub; return a kernel_info reply.

    ZeroMQ drops what a kernel publishes before a new subscription takes hold, and a run that
    missed a cell's idle status would wait for ever. `wait_for_ready` only flushes IOPub for a
    fixed 0.2 s; here kernel_info is asked until its idle status is seen on IOPub.

    Any of the requests sent here counts: a kernel still booting (or a busy machine) answers
    late, and replies to earlier requests, or to `wait_for_ready`'s, may still be queued on
    shell. Matching only the latest request would read one stale reply per new request and
    never catch up. The wait per attempt doubles, so a slow IOPub is still heard. `alive`, when
    given, is asked between attempts, so a kernel that died while starting fails at once.
    """
    deadline = time.monotonic() + timeout
    sent: set[str] = set()
    reply: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        if alive is not None and not await alive():
            raise RuntimeError("the kernel died while starting")
        sent.add(await ensure_async(client.kernel_info()))
        attempt_end = min(deadline, time.monotonic() + attempt_seconds)
        while reply is None and (left := attempt_end - time.monotonic()) > 0:
            try:
                msg = await ensure_async(client.get_shell_msg(timeout=left))
            except queue.Empty:
                break
            if msg["parent_header"].get("msg_id") in sent and msg["msg_type"] == "kernel_info_reply":
                reply = dict(msg)
        while reply is not None and (left := attempt_end - time.monotonic()) > 0:
            try:
                msg = await ensure_async(client.get_iopub_msg(timeout=left))
            except queue.Empty:
                break
            if (
                msg["parent_header"].get("msg_id") in sent
                and msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"
            ):
                return reply
        attempt_seconds = min(attempt_seconds * 2, 4.0)
    raise TimeoutError("the kernel did not answer on its IOPub channel")


async def run_quietly(client: Any, code: str, timeout: float) -> dict[str, Any]:
    """Run `code` silently (no history, no execution count) and wait until IOPub says idle.

    Waiting for the idle status as well as the reply leaves nothing of this request queued on
    IOPub for the run that adopts the kernel later. Returns the execute_reply's content.
    """
    deadline = time.monotonic() + timeout
    msg_id = await ensure_async(client.execute(code, silent=True, store_history=False))
    content: dict[str, Any] | None = None
    try:
        while content is None:
            msg = await ensure_async(client.get_shell_msg(timeout=max(0.0, deadline - time.monotonic())))
            if msg["parent_header"].get("msg_id") == msg_id:
                content = dict(msg["content"])
        while True:
            msg = await ensure_async(client.get_iopub_msg(timeout=max(0.0, deadline - time.monotonic())))
            if (
                msg["parent_header"].get("msg_id") == msg_id
                and msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"
            ):
                return content
    except queue.Empty:
        raise TimeoutError("the kernel did not finish its set-up code in time") from None


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


def open_client(km: Any) -> Any:
    """`km.client()`; for a gateway's kernel, one whose websocket authenticates (execution/gateway.py)."""
    if type(km).__module__.startswith("jupyter_server.gateway"):
        from jupyter_mindzie.execution.gateway import authenticating  # only servers with a gateway

        authenticating(km)
    return km.client()


def kernel_pid(km: Any) -> int | None:
    """The local kernel's process id; None for a remote (gateway) kernel."""
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    return pid if isinstance(pid, int) else None
