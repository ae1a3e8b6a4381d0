"""Talking to a kernel: the channels a run opens, a warm kernel's client, and nbclient with ceilings.

Shared by the pool (which connects kernels ahead of time) and the runner (which runs cells on
them), so neither imports the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import nbformat
import zmq
import zmq.asyncio
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbformat import NotebookNode
from zmq.utils.monitor import parse_monitor_message

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


# Room for a message's header and metadata beside an output the size of a cell's limit.
MESSAGE_SLACK_BYTES = 256 * 1024
QUEUED_MESSAGES = 8  # a full queue holds the kernel back (TCP backpressure); it drops nothing
_BOUNDED_CONTEXTS: dict[int, zmq.asyncio.Context] = {}


def bounded_context(max_message_bytes: int) -> zmq.asyncio.Context:
    """A ZeroMQ context for run clients whose sockets never read a message part over the limit.

    nbclient can only drop an output after the whole message is decoded; with ZMQ_MAXMSGSIZE a
    larger part is refused as it arrives (the kernel is disconnected and reconnected), so a
    300 MB print never reaches the server's memory. The receive queue is short for the same
    reason: at most `RCVHWM` messages wait, each under the limit.
    """
    context = _BOUNDED_CONTEXTS.get(max_message_bytes)
    if context is None:
        context = _BOUNDED_CONTEXTS[max_message_bytes] = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, max_message_bytes)
        context.setsockopt(zmq.RCVHWM, QUEUED_MESSAGES)
    return context


def bounded_client(km: Any, max_message_bytes: int) -> Any:
    """A client of `km`'s kernel reading no message part over the limit; the server's own IOPub
    socket of that kernel (jupyter_server's activity tracking) is bounded the same way."""
    manager: Any = getattr(km, "parent", None)
    kernel_id = getattr(km, "kernel_id", None)
    watched = kernel_id and hasattr(manager, "start_watching_activity")
    if watched and isinstance(getattr(km, "context", None), zmq.asyncio.Context):
        km.context = bounded_context(max_message_bytes)  # new sockets of this kernel only
        manager.stop_watching_activity(kernel_id)
        manager.start_watching_activity(kernel_id)
    return km.client(context=bounded_context(max_message_bytes))


def message_limit(max_cell_output_bytes: int, max_output_bytes: int) -> int:
    """The largest message part a run may read: nothing larger could be kept."""
    return min(max_cell_output_bytes, max_output_bytes) + MESSAGE_SLACK_BYTES


class BoundedNotebookClient(NotebookClient):
    """nbclient with a ceiling on kept output: a cell that floods stdout cannot flood the server.

    Every output counts with its real size (JSON values too), and so does a display update (by
    how much it grows the display). Past a cell's (or the run's) limit further outputs are
    dropped, with one visible notice, and the cell is marked `metadata.mindzie.outputTruncated`.
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
        self._display_bytes: dict[str, int] = {}  # display id -> size of what it shows now

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

    def kernel_client(self, km: Any) -> Any:
        """A client of `km`'s kernel that reads no message part larger than this run could keep."""
        return open_client(km, message_limit(self.max_cell_output_bytes, self.max_output_bytes))

    async def async_execute_cell(
        self,
        cell: NotebookNode,
        cell_index: int,
        execution_count: int | None = None,
        store_history: bool = True,
    ) -> NotebookNode:
        """The cell, with the notice also when its IOPub socket refused a message over the limit.

        ZeroMQ then drops the connection for good (a protocol error is never reconnected), so
        the socket's monitor reports it and the socket connects again at once.
        """
        channel = getattr(self.kc, "iopub_channel", None)
        socket = getattr(channel, "socket", None)
        if socket is None:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        refused: list[bool] = []
        watcher = asyncio.create_task(self._reconnect_when_refused(socket, refused))
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            if refused:
                self._take(cell_index, self.max_cell_output_bytes + 1, cell.outputs)

    async def _reconnect_when_refused(self, socket: Any, refused: list[bool]) -> None:
        monitor = socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)  # one for the client's life
        while True:
            event = parse_monitor_message(await monitor.recv_multipart())
            refused.append(True)
            endpoint = event["endpoint"].decode()
            with contextlib.suppress(zmq.ZMQError):
                socket.disconnect(endpoint)  # else connect takes the dropped endpoint as still there
            with contextlib.suppress(zmq.ZMQError):
                socket.connect(endpoint)

    def close_monitor(self) -> None:
        """Before the channels stop: a socket left to the garbage collector blocks the loop."""
        channel = getattr(self.kc, "iopub_channel", None)
        socket = getattr(channel, "socket", None)
        monitor = getattr(socket, "_monitor_socket", None)
        if socket is not None and monitor is not None:
            with contextlib.suppress(zmq.ZMQError):
                socket.disable_monitor()
            monitor.close(linger=0)

    def process_message(
        self, msg: dict[str, Any], cell: NotebookNode, cell_index: int
    ) -> NotebookNode | None:
        if msg["msg_type"] == "update_display_data":
            display_id = (msg["content"].get("transient") or {}).get("display_id")
            size = _content_size(msg["content"], self._budget())
            growth = size - (self._display_bytes.get(display_id, 0) if display_id else 0)
            if not self._take(cell_index, growth, cell.outputs):
                return None  # the display keeps what it showed
            if display_id:
                self._display_bytes[display_id] = size
        return super().process_message(msg, cell, cell_index)

    def output(
        self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None, cell_index: int
    ) -> NotebookNode | None:
        size = _content_size(msg.get("content", {}), self._budget())
        if not self._take(cell_index, size, outs):
            return None
        if display_id:
            self._display_bytes[display_id] = size
        return super().output(outs, msg, display_id, cell_index)

    def _budget(self) -> int:
        """Counting further than this is useless: the output is dropped."""
        return self.max_cell_output_bytes + 1

    def _take(self, cell_index: int, size: int, outs: list[NotebookNode]) -> bool:
        """Count `size` more bytes kept by the cell, or refuse them (with the notice, once)."""
        used = self._cell_bytes.get(cell_index, 0)
        if used + size > self.max_cell_output_bytes or self._total_bytes + size > self.max_output_bytes:
            marks = self.nb.cells[cell_index].metadata.setdefault("mindzie", {})
            if not marks.get("outputTruncated"):
                marks["outputTruncated"] = True
                limit = min(self.max_cell_output_bytes, self.max_output_bytes)
                text = (
                    f"[mindzie] output truncated: this run keeps at most {humanize.size(limit)} of output\n"
                )
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=text))
            return False
        self._cell_bytes[cell_index] = used + size
        self._total_bytes += size
        return True


def _content_size(content: dict[str, Any], budget: int) -> int:
    """The bytes an output message keeps, counted up to `budget` without serialising it again."""
    return _json_size(
        [content.get("text"), content.get("data"), content.get("metadata"), content.get("traceback")], budget
    )


def _json_size(value: Any, budget: int) -> int:
    """About the size of `value` as JSON; stops counting past `budget` (a 40 MB JSON is cut short)."""
    size, pending = 0, [value]
    while pending and size <= budget:
        item = pending.pop()
        if isinstance(item, str):
            size += len(item) + 2
        elif isinstance(item, dict):
            size += 2 + 2 * len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            size += 2 + len(item)
            pending.extend(item)
        else:  # numbers, booleans, null
            size += 8
    return size


def open_client(km: Any, max_message_bytes: int = 0) -> Any:
    """A client of `km`'s kernel: for a gateway's kernel, one whose websocket authenticates
    (execution/gateway.py); for a local one, reading no message part over `max_message_bytes`."""
    if type(km).__module__.startswith("jupyter_server.gateway"):
        from jupyter_mindzie.execution.gateway import authenticating  # only servers with a gateway

        authenticating(km)
        return km.client()
    return bounded_client(km, max_message_bytes) if max_message_bytes else km.client()


def kernel_pid(km: Any) -> int | None:
    """The local kernel's process id; None for a remote (gateway) kernel."""
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    return pid if isinstance(pid, int) else None


async def adopt(client: NotebookClient, context: dict[str, Any], working_dir: str) -> bool:
    """Give a warm kernel what a fresh one gets at start: a run's context and folder (False: it refused)."""
    code = (
        "import os as _mindzie_os\n"
        f"_mindzie_os.environ['MINDZIE_CONTEXT'] = {json.dumps(context)!r}\n"
        f"_mindzie_os.chdir({working_dir!r})\n"
        "del _mindzie_os"
    )
    assert client.kc is not None
    msg_id = await ensure_async(client.kc.execute(code, silent=True, store_history=False))
    reply = await client.async_wait_for_reply(msg_id)
    return reply is not None and reply["content"].get("status") == "ok"


class KernelStartFailed(RuntimeError):
    """The kernel could not be started or never became ready."""


async def connect_run_client(
    client: BoundedNotebookClient,
    warm: WarmKernel | None,
    context: dict[str, Any],
    working_dir: str,
    kernel_name: str,
    startup_timeout: float,
) -> dict[str, Any] | None:
    """Connect a run's nbclient to its kernel: a warm one (connected and checked by the pool)
    takes the run's context; a fresh one is waited for. Returns the kernel_info reply."""
    # Set the client after construction: NotebookClient drops a kc given to its constructor.
    if warm is not None:
        client.kc = warm.client
        client.reset_execution_trackers()
        if not await adopt(client, context, working_dir):
            raise KernelStartFailed("a warm kernel could not take this run's context")
        return warm.info
    kc = client.kc = client.kernel_client(client.km)
    try:
        await ensure_async(kc.start_channels(**CHANNELS))
        client.reset_execution_trackers()
        try:
            await ensure_async(kc.wait_for_ready(timeout=startup_timeout))
        except RuntimeError as error:
            raise KernelStartFailed(f"kernel {kernel_name!r} did not become ready: {error}") from error
        reply: dict[str, Any] | None = await client.async_wait_for_reply(await ensure_async(kc.kernel_info()))
        return reply
    except BaseException:
        # Cut short while connecting (a cancel, a timeout, a stop): the caller never sees this
        # client, so close its sockets here. Left open, their zmq context is destroyed later by
        # the garbage collector, blocking the event loop.
        with contextlib.suppress(Exception):
            await ensure_async(kc.stop_channels())
        raise
