"""llama.cpp's own clock on every response of a started embedded server, read passively."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from concord.providers.connection import ConnectedModel, connect
from concord.providers.profiles import parse_model_id
from concord.settings import Settings


class Timings:
    """Collects llama.cpp's ``timings`` from the chat responses on Concord's own HTTP client."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, response: Any) -> None:
        if response.request.url.path.endswith("/chat/completions"):
            await response.aread()
            self.seen.append(json.loads(response.content).get("timings") or {})


@asynccontextmanager
async def observed_server(settings: Settings) -> AsyncIterator[tuple[ConnectedModel, Timings]]:
    """A fresh embedded server for ``settings``, with its responses' timings collected."""
    async with connect(settings, parse_model_id("local")) as model:
        timings = Timings()
        model.client._client.event_hooks["response"].append(timings)  # observe only
        yield model, timings
