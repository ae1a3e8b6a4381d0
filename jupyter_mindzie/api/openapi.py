"""`GET /api/mindzie/openapi.yaml` and `.json`: the API's OpenAPI document, built once per process."""

from __future__ import annotations

import asyncio

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mindzie.api.base import MindzieHandler
from jupyter_mindzie.contract import openapi

CONTENT_TYPES = {"yaml": "application/yaml", "json": "application/json"}


class OpenAPIHandler(MindzieHandler):
    """The document that describes every endpoint, with `servers` set to this server's base_url."""

    @web.authenticated
    @authorized
    async def get(self, fmt: str) -> None:
        # the first build reads and rewrites every schema file: off the event loop
        text = await asyncio.to_thread(openapi.served, fmt, self.base_url)
        self.set_header("Cache-Control", "no-cache")
        await self.finish(text, set_content_type=CONTENT_TYPES[fmt])


def openapi_routes() -> list[tuple[str, type]]:
    return [(r"/api/mindzie/openapi\.(?P<fmt>yaml|json)", OpenAPIHandler)]
