"""One process's connection to the Redis its replicas share, and what happens when it fails.

Redis makes replicas cooperate, but it must never become the reason a replica stops answering:
every use goes through ``RedisLink.run``, which turns any Redis fault into ``RedisDown`` so the
caller can fall back to its own memory. The first fault is logged once (not once per request);
for ``retry_s`` seconds after it, calls fail at once without touching the network, then Redis
is tried again, and its return is logged once too. ``/readyz`` reports ``status()``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

T = TypeVar("T")

# A request waiting on Redis is a request not answered: fail fast, fall back to memory.
SOCKET_TIMEOUT_S = 1.0


class RedisDown(Exception):
    """Redis could not be used just now; the caller falls back to its own memory."""


def shown_url(url: str) -> str:
    """The URL without its password, for logs and ``/readyz``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def connect_redis(url: str) -> aioredis.Redis:
    """A client that fails in about a second instead of retrying with backoff."""
    return aioredis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
        retry=Retry(NoBackoff(), 0),
    )


class RedisLink:
    """A Redis client plus the memory of whether it is working."""

    def __init__(self, url: str, *, retry_s: float = 5.0) -> None:
        self.url = shown_url(url)
        self.client = connect_redis(url)
        self.retry_s = retry_s
        self.down_since: float | None = None  # wall-clock time of the fault, for /readyz
        self.reason = ""
        self._next_try = 0.0

    @property
    def up(self) -> bool:
        return self.down_since is None

    async def run(self, operation: Callable[[aioredis.Redis], Awaitable[T]]) -> T:
        """Run ``operation`` on the client; raise ``RedisDown`` on any Redis or socket fault."""
        if self.down_since is not None and time.monotonic() < self._next_try:
            raise RedisDown(self.reason)
        try:
            result = await operation(self.client)
        except (RedisError, OSError) as exc:
            self._went_down(exc)
            raise RedisDown(self.reason) from None
        if self.down_since is not None:
            log.warning("Redis at %s is back; sharing state with other replicas again", self.url)
            self.down_since = None
        return result

    def status(self) -> dict[str, str]:
        """What ``/readyz`` says about shared state."""
        if self.down_since is None:
            return {"shared_state": "redis", "redis": self.url}
        since = time.strftime("%H:%M:%S", time.gmtime(self.down_since))
        return {
            "shared_state": "memory",
            "redis": f"{self.url} unreachable since {since} UTC ({self.reason}); "
            "answering from this replica's memory",
        }

    async def close(self) -> None:
        await self.client.aclose()

    def _went_down(self, exc: BaseException) -> None:
        self._next_try = time.monotonic() + self.retry_s
        if self.down_since is None:
            self.down_since = time.time()
            self.reason = type(exc).__name__
            log.warning(
                "Redis at %s failed (%s); answering from this replica's memory until it is back",
                self.url,
                self.reason,
            )
