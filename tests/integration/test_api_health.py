"""GET /healthz says the process is up; GET /readyz says whether the model can be reached."""

from __future__ import annotations

from concord.errors import TYPE_BASE
from tests.fakes.openai_server import closed_port_url
from tests.support.api import ClientFactory


async def test_ready_when_the_provider_answers(api_client: ClientFactory) -> None:
    async with api_client() as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "provider": "llamacpp",
        "model": "fake-model",
        "shared_state": "memory",  # no CONCORD_REDIS_URL: this process alone
    }


async def test_not_ready_is_a_503_problem_while_health_stays_200(api_client: ClientFactory) -> None:
    async with api_client(base_url=closed_port_url()) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert health.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"].startswith("application/problem+json")
    assert ready.json()["type"] == TYPE_BASE + "provider-unavailable"
    assert "could not be reached" in ready.json()["detail"]
