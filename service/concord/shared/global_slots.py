"""The in-flight limit across every replica and worker: slots counted in one Redis sorted set.

Each holder adds itself with an expiry (Redis's own clock, so machines' clocks do not matter)
and renews it while it works; expired holders (a crashed replica) are dropped before counting.
Taking a slot is one Lua script, so two replicas can never both take the last one. A waiter
polls with jitter: simple, and fair enough for model calls that take seconds. No well-kept
Python library offers a Redis counting semaphore with expiry, and this one is a dozen lines.

When Redis fails, the holder goes ahead under its own replica's limit only (``RedisDown``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator

import redis.asyncio as aioredis

from concord.shared.redis_link import RedisDown, RedisLink

# KEYS[1] the set; ARGV: limit, holder, ttl in ms. Returns 1 when the slot is taken.
_TAKE = """
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[3]), ARGV[2])
  return 1
end
return 0
"""
# Push the holder's expiry forward, only if it still holds a slot.
_RENEW = """
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now_ms + tonumber(ARGV[2]), ARGV[1])
"""

POLL_S = 0.05


class GlobalSlots:
    """At most ``limit`` holders across every process that shares ``link``."""

    def __init__(
        self, link: RedisLink, limit: int, *, ttl_s: float = 30.0, key: str = "concord:slots"
    ) -> None:
        self.link = link
        self.limit = max(1, limit)
        self.ttl_ms = int(ttl_s * 1000)
        self.key = key
        self._take = link.client.register_script(_TAKE)
        self._renew = link.client.register_script(_RENEW)

    async def held(self) -> int:
        """Slots held right now across all processes (for tests and benchmarks)."""
        return int(await self.link.run(lambda client: client.zcard(self.key)))

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Hold one global slot for the block; without Redis, hold nothing and go ahead."""
        holder = uuid.uuid4().hex
        try:
            await self._wait_for_slot(holder)
        except RedisDown:
            yield
            return
        renewing = asyncio.create_task(self._keep_alive(holder))
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(RedisDown):
                await self.link.run(lambda client: client.zrem(self.key, holder))

    async def _wait_for_slot(self, holder: str) -> None:
        args: list[str | int] = [self.limit, holder, self.ttl_ms]
        while True:
            taken = await self.link.run(
                lambda client: self._take(keys=[self.key], args=args, client=client)
            )
            if taken:
                return
            await asyncio.sleep(POLL_S * (0.5 + random.random()))  # noqa: S311 jitter only

    async def _keep_alive(self, holder: str) -> None:
        while True:
            await asyncio.sleep(self.ttl_ms / 3000)
            with contextlib.suppress(RedisDown):
                await self.link.run(lambda client: self._renew_script(client, holder))

    async def _renew_script(self, client: aioredis.Redis, holder: str) -> object:
        return await self._renew(keys=[self.key], args=[holder, self.ttl_ms], client=client)
