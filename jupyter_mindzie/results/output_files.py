"""The files of a run's outputs, each written once: early by the run, checked again at its end.

A run keeps one file per output (results/extraction.py). The runner writes a finished cell's
files while the kernel runs the next cells (execution/early_outputs.py); the end of the run
works every file out again from the executed notebook and writes only what is missing or has
changed since (a display that a later cell updated).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from pathlib import Path


class OutputFiles:
    """Writes output files into one folder, skipping a file whose bytes it has written already.

    Shared by the thread that writes early and the end of the run: a lock keeps their records
    straight (the runner never has both writing at once, but a record must not tear).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._written: dict[str, bytes] = {}  # file name -> digest of what it holds
        self._lock = threading.Lock()

    def write(self, name: str, payload: bytes) -> None:
        digest = hashlib.blake2b(payload, digest_size=16).digest()
        with self._lock:
            if self._written.get(name) == digest:
                return
        (self.folder / name).write_bytes(payload)
        with self._lock:
            self._written[name] = digest

    def forget_all_but(self, kept: set[str]) -> None:
        """Remove what was written early and is no output of the finished run (a display that
        a later cell turned into another kind of output has another file name)."""
        with self._lock:
            stale = [name for name in self._written if name not in kept]
            for name in stale:
                del self._written[name]
        for name in stale:
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()
