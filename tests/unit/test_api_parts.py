"""The API's small parts on their own: the queue limit, coalescing, the LRU, bearer parsing."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from concord.api.auth import bearer_token, key_matches
from concord.errors import Overloaded
from concord.serving.coalesce import InFlight
from concord.serving.limiter import ConcurrencyLimiter


async def test_limiter_queues_up_to_max_queue_then_refuses() -> None:
    limiter = ConcurrencyLimiter(max_in_flight=1, max_queue=1)
    release = asyncio.Event()

    async def hold() -> None:
        async with limiter.slot():
            await release.wait()

    running = asyncio.create_task(hold())
    queued = asyncio.create_task(hold())
    await asyncio.sleep(0)
    assert (limiter.in_flight, limiter.waiting) == (1, 1)
    with pytest.raises(Overloaded) as refused:
        async with limiter.slot():
            pass
    assert int(refused.value.headers["Retry-After"]) >= 1
    release.set()
    await asyncio.gather(running, queued)
    assert (limiter.in_flight, limiter.waiting) == (0, 0)


async def test_coalesced_waiters_share_one_run_and_a_leaver_does_not_cancel_it() -> None:
    runs = 0

    async def work() -> str:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)
        return "done"

    in_flight: InFlight[str] = InFlight()
    impatient = asyncio.create_task(in_flight.run("k", work))
    patient = asyncio.create_task(in_flight.run("k", work))
    await asyncio.sleep(0)
    impatient.cancel()
    assert await patient == ("done", True)
    assert runs == 1
    assert len(in_flight) == 0


async def test_work_nobody_waits_for_is_cancelled() -> None:
    cancelled = asyncio.Event()

    async def work() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    in_flight: InFlight[str] = InFlight()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await in_flight.run("k", work)
    await asyncio.wait_for(cancelled.wait(), 1)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc ", "abc"),
        ("Bearer", None),
        ("Basic abc", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_key_matches_any_configured_key() -> None:
    keys = [SecretStr("one"), SecretStr("two")]
    assert key_matches("two", keys)
    assert not key_matches("three", keys)
    assert not key_matches("", keys)
