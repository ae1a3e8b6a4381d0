"""Kernels on a Jupyter gateway that requires a token.

jupyter_server's `GatewayKernelClient.start_channels` (2.21) opens the kernel's websocket without
the headers `GatewayClient` sends on every HTTP request (`Authorization: token …`, cookies), so a
gateway with `auth_token` set answers 401 and no run can talk to its kernel. This client opens
the same websocket with those headers; everything else is upstream's.
"""

from __future__ import annotations

from threading import Thread
from typing import Any

import websocket
from jupyter_client.client import KernelClient
from jupyter_server.gateway.gateway_client import GatewayClient
from jupyter_server.gateway.managers import GatewayKernelClient, GatewayKernelManager
from jupyter_server.utils import url_escape, url_path_join


class AuthenticatedGatewayKernelClient(GatewayKernelClient):
    """A gateway kernel's client whose websocket carries the gateway's auth headers."""

    async def start_channels(  # type: ignore[override]  # async, as upstream's
        self,
        shell: bool = True,
        iopub: bool = True,
        stdin: bool = True,
        hb: bool = True,
        control: bool = True,
    ) -> None:
        gateway = GatewayClient.instance()
        ws_url = url_path_join(
            gateway.ws_url or "", gateway.kernels_endpoint, url_escape(self.kernel_id), "channels"
        )
        arguments = gateway.load_connection_args()  # type: ignore[no-untyped-call]
        headers = arguments.get("headers") or {}  # the auth header (a renewed token) and cookies
        self.channel_socket = websocket.create_connection(
            ws_url,
            timeout=gateway.KERNEL_LAUNCH_TIMEOUT,
            enable_multithread=True,
            sslopt={
                "ca_certs": gateway.ca_certs,
                "certfile": gateway.client_cert,
                "keyfile": gateway.client_key,
            },
            header=headers,
        )
        # the channel queues, skipping upstream's header-less connect
        KernelClient.start_channels(self, shell=shell, iopub=iopub, stdin=stdin, hb=hb, control=control)
        self.response_router = Thread(target=self._route_responses)
        self.response_router.start()


def authenticating(km: Any) -> None:
    """Make `km.client()` of a gateway's kernel manager give clients that authenticate."""
    if isinstance(km, GatewayKernelManager):
        km.client_factory = AuthenticatedGatewayKernelClient
