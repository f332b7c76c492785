"""Bearer-key auth: off without keys; with keys, summaries need one and health checks do not."""

from __future__ import annotations

import pytest

from tests.fakes.credentials import AUTHORIZATION, bearer
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.api import ARTICLE, ClientFactory, assert_problem, valid_summary

KEYS = {"api_keys": ["key-one-1234567890", "key-two-1234567890"]}


@pytest.mark.parametrize(
    ("authorization", "error"),
    [(None, None), (bearer("wrong-key-123456"), "invalid_token"), ("Basic a2V5LW9uZQ==", None)],
)
async def test_missing_or_wrong_key_is_401(
    api_client: ClientFactory,
    fake_openai: FakeOpenAIServer,
    authorization: str | None,
    error: str | None,
) -> None:
    headers = {AUTHORIZATION: authorization} if authorization else {}
    async with api_client(api=KEYS) as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE}, headers=headers)
    assert_problem(response, 401, "unauthorized")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer")
    assert ("invalid_token" in challenge) == (error is not None)
    assert "wrong-key" not in response.text
    assert fake_openai.requests == []


async def test_either_key_is_accepted(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary())
    async with api_client(api=KEYS) as client:
        response = await client.post(
            "/v1/summaries",
            json={"text": ARTICLE},
            headers={AUTHORIZATION: bearer("key-two-1234567890")},
        )
    assert response.status_code == 200, response.text


async def test_auth_runs_before_the_body_is_read(api_client: ClientFactory) -> None:
    async with api_client(api=KEYS) as client:
        response = await client.post(
            "/v1/summaries", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 401


async def test_health_and_docs_need_no_key(api_client: ClientFactory) -> None:
    async with api_client(api=KEYS) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        schema = (await client.get("/schema/openapi.json")).json()
    assert (health.status_code, ready.status_code) == (200, 200)
    assert schema["paths"]["/v1/summaries"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in schema["paths"]["/healthz"]["get"]
