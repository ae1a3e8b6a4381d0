"""Executions on remote kernels: a real Jupyter Kernel Gateway on loopback, the server pointed at it.

The gateway may require a token (as real Enterprise Gateway deployments do); the kernel's
websocket must then carry it too, which jupyter_server's own gateway client omits.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from jupyter_mindzie.demo import FAST_CASES, write_demo_event_log

from .support import Server, free_port

pytestmark = pytest.mark.gateway

GATEWAY_TOKEN = "gateway-secret"


@pytest.fixture
def gateway(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """`jupyter kernelgateway` in its own process (requiring GATEWAY_TOKEN when the test's
    `token` parameter says so); yields its URL."""
    token = request.getfixturevalue("token")
    port = free_port()
    log = tmp_path / "gateway.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kernel_gateway",
                f"--KernelGatewayApp.port={port}",
                "--KernelGatewayApp.ip=127.0.0.1",
                "--JupyterWebsocketPersonality.list_kernels=True",
                *([f"--KernelGatewayApp.auth_token={GATEWAY_TOKEN}"] if token else []),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=tmp_path,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            assert process.poll() is None, log.read_text()
            try:
                headers = {"Authorization": f"token {GATEWAY_TOKEN}"} if token else {}
                if requests.get(f"{url}/api/kernelspecs", headers=headers, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pool", "token", "store"),
    [("0", False, "sqlite"), ("1", True, "sqlite"), ("0", True, "postgresql")],
    ids=["cold-kernel", "warm-kernel-token", "token-postgresql"],
)
def test_the_starter_runs_end_to_end_on_a_gateway_kernel(
    gateway: str, tmp_path: Path, pool: str, token: bool, store: str, request: pytest.FixtureRequest
):
    root = tmp_path / "root"
    root.mkdir()
    options = [f"--gateway-url={gateway}", f"--MindzieKernelPool.size={pool}"]
    if token:
        options.append(f"--GatewayClient.auth_token={GATEWAY_TOKEN}")
    if store == "postgresql":
        options.append(f"--MindzieApp.db_url={request.getfixturevalue('pg_url')}")
    server = Server(root, *options)
    server.start()
    try:
        log = write_demo_event_log(tmp_path / "event_log.csv", cases=FAST_CASES)
        with log.open("rb") as handle:
            dataset = server.call(
                "POST", "dataset", files={"file": ("event_log.csv", handle, "text/csv")}
            ).json()
        created = server.call(
            "POST",
            "notebook",
            json={
                "notebookName": "Remote starter",
                "template": "process_mining_starter",
                "integration": {"datasetBinding": dataset["datasetId"]},
            },
        ).json()
        assert created["notebookId"], created
        accepted = server.call(
            "POST", f"notebook/{created['notebookId']}/execute", json={"parameters": {"top_n_bottlenecks": 2}}
        ).json()
        running = server.wait_for(
            created["notebookId"],
            accepted["executionId"],
            lambda s: s["phase"] == "Executing" or s["status"] != "Running",
            deadline=120,
        )
        if running["status"] == "Running":  # the remote kernel is listed by the server (its proxy)
            kernels = requests.get(
                f"http://127.0.0.1:{server.port}/api/kernels", headers=server.headers, timeout=10
            ).json()
            assert kernels
        final = server.wait_for(
            created["notebookId"],
            accepted["executionId"],
            lambda s: s["status"] != "Running",
            deadline=180,
        )
        assert final["status"] == "Completed", final
        assert final["progress"]["failedCells"] == 0
        # nothing can be measured of a remote kernel's processes: null, not a guess
        assert final["resources"]["peakMemoryBytes"] is None and final["resources"]["cpuTimeSeconds"] is None
        results = server.call(
            "GET",
            f"notebook/{created['notebookId']}/execution/{accepted['executionId']}/results",
            params={"format": "detailed"},
        ).json()
        metrics = [o for o in results["outputs"] if o["outputType"] == "application/json"]
        assert (
            metrics[-1]["content"]["caseCount"] == FAST_CASES
            and len(metrics[-1]["content"]["bottleneckActivities"]) == 2
        )
        assert any(o["outputType"] == "image/png" for o in results["outputs"])
        enriched = {d["name"]: d for d in results["enrichedDatasets"]}
        assert enriched["cases_enriched"]["recordCount"] == FAST_CASES
        assert enriched["cases_enriched"]["downloadUrl"], (
            "the helper found its artifacts folder through the gateway"
        )
    finally:
        server.stop()
