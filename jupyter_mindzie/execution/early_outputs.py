"""A run's output files written while the run goes on, not all at its end.

Written at the end, the files of a 1,000-cell run's outputs (one per output) took most of the
run's last second, while the client waited. A cell's outputs are final once the cell is done,
but for a later `update_display_data`, so the runner hands each finished cell here and a worker
thread writes its files while the kernel runs the next cells. The end of the run still works
every file out from the executed notebook (results/extraction.py) and writes only what is
missing or changed since; its rows are the only ones kept.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from nbformat import NotebookNode

from jupyter_mindzie.results.extraction import write_output_file
from jupyter_mindzie.results.output_files import OutputFiles


class EarlyOutputs:
    """Writes each finished cell's outputs in a worker thread, one batch at a time.

    `add` is called on the event loop when a cell is done: it takes shallow copies of the
    cell's outputs (nbclient replaces an output's `data` on a display update, it does not change
    it in place), so the thread never reads what the loop is changing. Cells that finish while
    a batch is written wait for the next batch.
    """

    def __init__(self, files: OutputFiles, max_output_bytes: int) -> None:
        self.files = files
        self.max_output_bytes = max_output_bytes
        self._pending: list[tuple[str, list[dict[str, Any]]]] = []
        self._flushing: asyncio.Task[None] | None = None

    def add(self, cell: NotebookNode) -> None:
        outputs = [dict(output) for output in cell.get("outputs", [])]
        if not outputs:
            return
        self._pending.append((str(cell.get("id")), outputs))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            await asyncio.to_thread(self._write, batch)

    def _write(self, batch: list[tuple[str, list[dict[str, Any]]]]) -> None:
        for cell_id, outputs in batch:
            for number, output in enumerate(outputs, start=1):
                try:
                    write_output_file(
                        NotebookNode(output), cell_id, number, self.files, self.max_output_bytes
                    )
                except Exception:  # the end of the run writes it again, and says what failed
                    continue

    async def settle(self) -> None:
        """Wait until nothing is being written early (before the end of the run works alone)."""
        flushing = self._flushing
        if flushing is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(flushing)
