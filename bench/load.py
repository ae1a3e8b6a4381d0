"""A bounded background load, as other users of a shared server make: CPU burners and a process
that starts and stops kernels in a loop. Started and stopped by the benchmark itself.

    with background_load(burners=2):
        ...  # both sides of a comparison run here, under the same load
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

import psutil

BURN = "while True:\n    pass\n"

# Another user's notebook server: a kernel started, asked for kernel_info, shut down, again.
CHURN = """\
import time
from jupyter_client.manager import start_new_kernel
while True:
    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=120)
    kc.execute_interactive("x = sum(range(10**6))", timeout=120)
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    time.sleep(0.2)
"""


@contextlib.contextmanager
def background_load(burners: int = 2, churn: int = 1) -> Iterator[None]:
    """`burners` processes spinning a CPU each and `churn` kernel start/stop loops, until the block ends."""
    processes = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(burners)]
    processes += [
        subprocess.Popen([sys.executable, "-c", CHURN], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(churn)
    ]
    try:
        yield
    finally:
        for process in processes:
            with contextlib.suppress(psutil.Error):
                for child in psutil.Process(process.pid).children(recursive=True):
                    child.kill()
            process.kill()
            process.wait(timeout=30)
