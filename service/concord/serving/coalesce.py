"""Coalescing: identical requests that arrive together share one model call.

The first request for a key starts the work as a task; later ones with the same key wait on
that task instead of starting their own. A waiter that gives up (timeout, disconnect) does not
cancel the work for the others; the work is cancelled only when nobody waits for it any more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Shared(Generic[T]):
    task: asyncio.Future[T]
    waiters: int = 0


class InFlight(Generic[T]):
    """Work in progress, by key."""

    def __init__(self) -> None:
        self._work: dict[Hashable, _Shared[T]] = {}

    def __len__(self) -> int:
        return len(self._work)

    async def run(self, key: Hashable, start: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """Await the work for ``key``, starting it if needed; True when it was another's."""
        shared = self._work.get(key)
        joined = shared is not None
        if shared is None:
            shared = _Shared(asyncio.ensure_future(start()))
            self._work[key] = shared
            shared.task.add_done_callback(lambda _: self._forget(key, shared))
        shared.waiters += 1
        try:
            return await asyncio.shield(shared.task), joined
        finally:
            shared.waiters -= 1
            if shared.waiters == 0 and not shared.task.done():
                shared.task.cancel()

    def _forget(self, key: Hashable, shared: _Shared[T]) -> None:
        if self._work.get(key) is shared:
            del self._work[key]
