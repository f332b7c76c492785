"""The pieces replicas share, on a real Redis: a crashed holder never blocks the others."""

from __future__ import annotations

import asyncio
import json

import pytest
from redis.asyncio.lock import Lock

from concord.schema import SummaryResult
from concord.settings import Settings
from concord.shared.global_slots import GlobalSlots
from concord.shared.state import SharedState
from tests.redis_server import RedisServer

pytestmark = pytest.mark.redis

SAMPLE = SummaryResult.model_validate(
    {
        "summary": {"participants": [], "agreements": [], "disagreements": []},
        "meta": {
            "provider": "fake", "model": "fake", "prompt_version": "p/v", "prompt_hash": "h",
            "schema_hash": "s", "calls": 1,
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
            "latency_ms": 1.0,
            "grounding": {"quotes": 0, "grounded": 0, "fuzzy": 0, "flagged_items": 0,
                          "dropped_items": 0, "policy": "flag"},
        },
    }
)  # fmt: skip


def shared(redis: RedisServer, **values: float) -> SharedState:
    settings = Settings(model="llamacpp:fake", base_url="http://127.0.0.1:9/v1")
    settings.shared = settings.shared.model_copy(update=values)
    return SharedState(settings, redis.url, slots=4)


async def test_a_lock_left_by_a_crashed_replica_expires_and_the_work_goes_ahead(
    redis: RedisServer,
) -> None:
    state = shared(redis, lock_ttl_s=0.5)
    crashed = Lock(state.link.client, "concord:lock:article", timeout=0.5)
    assert await crashed.acquire(blocking=False)  # taken, then never renewed nor released
    calls = 0

    async def work() -> SummaryResult:
        nonlocal calls
        calls += 1
        return SAMPLE

    result, elsewhere = await asyncio.wait_for(state.once("article", work), timeout=10)
    assert (result, elsewhere, calls) == (SAMPLE, False, 1)
    assert await state.cached("article") == SAMPLE  # stored for the other replicas
    await state.close()


async def test_a_summary_stored_by_another_version_is_a_miss(redis: RedisServer) -> None:
    """An entry whose meta has another shape (``attempts`` before it became ``calls``) is
    recomputed by the replica that finds it, not turned into a 500."""
    state = shared(redis)
    older = SAMPLE.model_dump(mode="json")
    older["meta"]["attempts"] = older["meta"].pop("calls")
    await state.link.run(lambda _: state.store.set("article", json.dumps(older).encode()))
    assert await state.cached("article") is None
    result, elsewhere = await asyncio.wait_for(state.once("article", _sample), timeout=10)
    assert (result, elsewhere) == (SAMPLE, False)
    assert await state.cached("article") == SAMPLE  # replaced by this version's shape
    await state.close()


async def _sample() -> SummaryResult:
    return SAMPLE


async def test_a_global_slot_left_by_a_crashed_replica_expires(redis: RedisServer) -> None:
    state = shared(redis)
    crashed = GlobalSlots(state.link, 1, ttl_s=0.5)
    await crashed._wait_for_slot("crashed-holder")  # taken, then never renewed nor released
    alive = GlobalSlots(state.link, 1, ttl_s=5)
    async with asyncio.timeout(10), alive.hold():
        assert await alive.held() == 1
    assert await alive.held() == 0
    await state.close()


async def test_a_waiting_replica_gets_the_slot_when_the_holder_lets_go(
    redis: RedisServer,
) -> None:
    state = shared(redis)
    first, second = GlobalSlots(state.link, 1), GlobalSlots(state.link, 1)
    order: list[str] = []
    release, first_in = asyncio.Event(), asyncio.Event()

    async def hold(slots: GlobalSlots, name: str, until: asyncio.Event | None) -> None:
        async with slots.hold():
            order.append(f"{name} in")
            first_in.set()
            if until is not None:
                await until.wait()
            order.append(f"{name} out")

    holder = asyncio.create_task(hold(first, "first", release))
    await first_in.wait()
    waiter = asyncio.create_task(hold(second, "second", None))
    await asyncio.sleep(0.3)
    assert order == ["first in"]  # the second replica waits: the limit is 1 across both
    release.set()
    await asyncio.gather(holder, waiter)
    assert order == ["first in", "first out", "second in", "second out"]
    await state.close()
