"""What replicas share through Redis: finished summaries, and who is making which one.

The cache is Litestar's own ``RedisStore`` (values are the summary's JSON, with an expiry).
Identical requests at several replicas make one model call: the first takes a lock named after
the cache key (redis-py's ``Lock``, with an expiry its holder renews while alive, so a crashed
holder frees it within ``lock_ttl_s``); the others poll the cache until the answer appears, or
until the lock is gone without one (the holder failed or died), and then try for it themselves.

Without ``CONCORD_REDIS_URL`` there is no ``SharedState`` at all; when Redis fails mid-run every
method falls back to "work alone" (see ``redis_link``), so a replica never stops answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Awaitable, Callable

from litestar.stores.redis import RedisStore
from pydantic import ValidationError
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from concord.schema import SummaryResult
from concord.settings import Settings
from concord.shared.global_slots import GlobalSlots
from concord.shared.redis_link import RedisDown, RedisLink

WAIT_POLL_S = 0.1


def shared_key(key: tuple[object, ...]) -> str:
    """A cache key (a tuple of everything a summary depends on) as a short Redis key."""
    return hashlib.sha256(json.dumps(list(key), default=str).encode()).hexdigest()


class SharedState:
    """A replica's view of the state it shares with the others."""

    def __init__(self, settings: Settings, redis_url: str, slots: int) -> None:
        shared = settings.shared
        self.link = RedisLink(redis_url, retry_s=shared.retry_redis_s)
        self.store = RedisStore(self.link.client, namespace="concord:cache")
        self.slots = GlobalSlots(self.link, slots, ttl_s=shared.lock_ttl_s)
        self.cache_ttl_s = shared.cache_ttl_s
        self.lock_ttl_s = shared.lock_ttl_s

    @classmethod
    def from_settings(cls, settings: Settings, slots: int) -> SharedState | None:
        """Shared state when ``CONCORD_REDIS_URL`` is set, else None (memory only); ``slots``
        is the fleet-wide number of model calls at once (``serving.admission.slot_count``)."""
        if settings.redis_url is None:
            return None
        return cls(settings, settings.redis_url.get_secret_value(), slots)

    async def cached(self, key: str) -> SummaryResult | None:
        """The summary another replica (or this one) stored, or None; None too if Redis fails."""
        with contextlib.suppress(RedisDown):
            return await self._fetch(key)
        return None

    async def store_result(self, key: str, result: SummaryResult) -> None:
        """Share a finished summary; if Redis fails it stays in this replica's memory only."""
        data = result.model_dump_json().encode()
        with contextlib.suppress(RedisDown):
            await self.link.run(lambda _: self.store.set(key, data, expires_in=self.cache_ttl_s))

    async def once(
        self, key: str, work: Callable[[], Awaitable[SummaryResult]]
    ) -> tuple[SummaryResult, bool]:
        """Run ``work`` here, or wait for the replica already running it; True when it was
        another's. Whoever runs it stores the result before letting go of the lock."""
        lock = Lock(self.link.client, f"concord:lock:{key}", timeout=self.lock_ttl_s)
        while True:
            try:
                taken = await self.link.run(lambda _: lock.acquire(blocking=False))
            except RedisDown:
                return await work(), False
            if taken:
                return await self._run_holding(lock, key, work), False
            try:
                if (result := await self._wait_for_other(lock, key)) is not None:
                    return result, True
            except RedisDown:
                return await work(), False

    async def status(self) -> dict[str, str]:
        """For ``/readyz``: a cheap PING, so a Redis that died while idle is noticed too."""
        with contextlib.suppress(RedisDown):
            await self.link.run(lambda client: client.ping())
        return self.link.status()

    async def close(self) -> None:
        await self.link.close()

    async def _fetch(self, key: str) -> SummaryResult | None:
        data = await self.link.run(lambda _: self.store.get(key))
        if data is None:
            return None
        try:
            return SummaryResult.model_validate_json(data)
        except ValidationError:
            return None  # stored by a Concord whose output had another shape: a miss, not a 500

    async def _run_holding(
        self, lock: Lock, key: str, work: Callable[[], Awaitable[SummaryResult]]
    ) -> SummaryResult:
        renewing = asyncio.create_task(self._keep_alive(lock))
        try:
            result = await work()
            await self.store_result(key, result)
            return result
        finally:
            renewing.cancel()
            with contextlib.suppress(RedisDown):
                await self.link.run(lambda _: _release(lock))

    async def _wait_for_other(self, lock: Lock, key: str) -> SummaryResult | None:
        """Poll until the holder's result is stored (returned) or its lock is gone (None)."""
        while True:
            await asyncio.sleep(WAIT_POLL_S)
            if (result := await self._fetch(key)) is not None:
                return result
            if not await self.link.run(lambda _: lock.locked()):
                # One last look: the holder stores before it releases.
                return await self._fetch(key)

    async def _keep_alive(self, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self.lock_ttl_s / 3)
            with contextlib.suppress(RedisDown):
                await self.link.run(lambda _: _reacquire(lock))


async def _release(lock: Lock) -> None:
    with contextlib.suppress(LockError):  # expired meanwhile: nothing left to release
        await lock.release()


async def _reacquire(lock: Lock) -> None:
    with contextlib.suppress(LockError):
        await lock.reacquire()
