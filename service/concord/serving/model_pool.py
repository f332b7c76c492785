"""The models a server process talks to: the default one, opened at startup, and any a request
picks from the allowed list, opened on first use. All stay open for the app's life and close at
shutdown, so the embedded model is started once per process, not once per request.
"""

from __future__ import annotations

import asyncio
import contextlib

from concord.providers.connection import ConnectedModel, connect, settings_for
from concord.providers.profiles import parse_model_id
from concord.settings import Settings


class ModelPool:
    """Connected models by model id; ``start`` opens the default, ``close`` closes them all."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.default_ref = parse_model_id(settings.model)
        self._models: dict[str, ConnectedModel] = {}
        self._stack = contextlib.AsyncExitStack()
        self._lock = asyncio.Lock()

    @property
    def default(self) -> ConnectedModel:
        return self._models[str(self.default_ref)]

    async def start(self) -> None:
        """Open the default model (for ``local``: start the embedded server and wait for it)."""
        await self.get(self.settings.model)

    async def get(self, model_id: str) -> ConnectedModel:
        """The model for ``model_id``, connecting it on first use."""
        ref = parse_model_id(model_id)
        key = str(ref)
        if (model := self._models.get(key)) is not None:
            return model
        async with self._lock:
            if (model := self._models.get(key)) is None:
                settings = settings_for(self.settings, ref.provider)
                model = await self._stack.enter_async_context(connect(settings, ref))
                self._models[key] = model
            return model

    async def close(self) -> None:
        """Close every client and stop the embedded model server, if one was started."""
        self._models.clear()
        await self._stack.aclose()
