"""The pipeline through real HTTP: a scripted fake OpenAI-compatible server on 127.0.0.1 plays the
model, so the retry loop, usage sums, error translation and grounding run exactly as in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from concord.article import check_article
from concord.errors import (
    OutputInvalid,
    ProviderError,
    ProviderRateLimited,
    ProviderRefused,
    ProviderTimeout,
    ProviderUnavailable,
)
from concord.pipeline import PipelineOptions, summarise
from concord.prompts import load_prompt
from concord.providers.connection import ConnectedModel, connect
from concord.providers.profiles import parse_model_id
from concord.schema import SummaryResult
from concord.settings import Settings
from tests.fakes.credentials import bearer, sk
from tests.fakes.openai_server import (
    CompletionReply,
    EmptyChoices,
    FakeOpenAIServer,
    Hang,
    HttpError,
    InvalidJSONBody,
    closed_port_url,
)

ARTICLE = (
    "US Secretary of State John Kerry and Russian Foreign Minister Sergei Lavrov agreed in Paris "
    "to intensify intelligence cooperation against Isil. Russia has so far refused to join the "
    "US-led coalition conducting air strikes."
)

VALID: dict[str, Any] = {
    "participants": [
        {
            "name": "John Kerry",
            "role": "Secretary of State",
            "affiliation": "United States",
            "quotes": ["US Secretary of State John Kerry"],
        },
        {
            "name": "Sergei Lavrov",
            "role": "Foreign Minister",
            "affiliation": "Russia",
            "quotes": ["Russian Foreign Minister Sergei Lavrov"],
        },
    ],
    "agreements": [
        {
            "statement": "Intensify intelligence cooperation against Isil",
            "parties": ["John Kerry", "Sergei Lavrov"],
            "quotes": ["agreed in Paris to intensify intelligence cooperation against Isil"],
        },
    ],
    "disagreements": [
        {
            "topic": "Joining the US-led coalition",
            "positions": [{"party": "Russia", "position": "refuses to join"}],
            "quotes": ["Russia has so far refused to join the US-led coalition"],
        },
    ],
}


def _settings(base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "model": "llamacpp:fake-model",
        "base_url": base_url,
        "max_backoff_s": 0.05,
        "timeout_s": 5.0,
    }
    return Settings(**(values | overrides))


@pytest.fixture
async def model(fake_openai: FakeOpenAIServer) -> AsyncIterator[ConnectedModel]:
    settings = _settings(fake_openai.base_url)
    async with connect(settings, parse_model_id(settings.model)) as connected:
        yield connected


async def _run(model: ConnectedModel, settings: Settings | None = None) -> SummaryResult:
    settings = settings or Settings()
    article = check_article(ARTICLE, max_chars=8000)
    options = PipelineOptions.from_settings(settings)
    return await summarise(article, model, load_prompt("summarise/v1"), options)


async def test_valid_answer_becomes_a_grounded_summary_with_meta(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    fake_openai.enqueue(CompletionReply.json(VALID, usage=(400, 120)))
    result = await _run(model)
    assert [p.name for p in result.summary.participants] == ["John Kerry", "Sergei Lavrov"]
    evidence = result.summary.agreements[0].evidence[0]
    assert evidence.grounded
    assert ARTICLE[evidence.start : evidence.end] == evidence.quote
    meta = result.meta
    assert (meta.provider, meta.model, meta.prompt_version) == (
        "llamacpp",
        "fake-model",
        "summarise/v1",
    )
    assert meta.calls == 1
    assert (meta.usage.prompt_tokens, meta.usage.completion_tokens, meta.usage.total_tokens) == (
        400,
        120,
        520,
    )
    assert meta.grounding.quotes == meta.grounding.grounded == 4


async def test_request_asks_for_strict_json_schema_and_deterministic_sampling(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    fake_openai.enqueue(CompletionReply.json(VALID))
    await _run(model)
    body = fake_openai.requests[0].body
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["temperature"] == 0
    assert body["repeat_penalty"] == 1.1  # llama.cpp's sampling option, sent as extra body
    assert "<article>" in body["messages"][1]["content"]


async def test_invalid_answers_are_fed_back_until_one_validates(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    broken = {**VALID, "participants": [{"name": "Kerry"}]}
    fake_openai.enqueue(
        CompletionReply("not json at all", usage=(100, 10)),
        CompletionReply.json(broken, usage=(150, 20)),
        CompletionReply.json(VALID, usage=(200, 30)),
    )
    result = await _run(model)
    assert result.meta.calls == 3
    assert result.meta.usage.total_tokens == 100 + 10 + 150 + 20 + 200 + 30
    second, third = (
        fake_openai.requests[1].body["messages"],
        fake_openai.requests[2].body["messages"],
    )
    assert second[-2] == {"role": "assistant", "content": "not json at all"}
    assert "not valid JSON" in second[-1]["content"]
    assert "participants.0.role: Field required" in third[-1]["content"]


async def test_truncated_answer_is_retried_with_a_reason(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    fake_openai.enqueue(
        CompletionReply('{"participants": [', finish_reason="length"), CompletionReply.json(VALID)
    )
    result = await _run(model)
    assert result.meta.calls == 2
    assert "cut off" in fake_openai.requests[1].body["messages"][-1]["content"]


async def test_output_never_valid_gives_up_with_its_calls_and_last_output(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    fake_openai.enqueue(CompletionReply("{}"), EmptyChoices(), CompletionReply("[1, 2]"))
    with pytest.raises(OutputInvalid) as caught:
        await _run(model)
    assert caught.value.calls == 3
    assert caught.value.last_output == "[1, 2]"
    assert caught.value.status == 502


async def test_transient_faults_are_retried_then_succeed(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    fake_openai.enqueue(
        HttpError(503), HttpError(429, headers={"Retry-After": "0"}), CompletionReply.json(VALID)
    )
    result = await _run(model)
    assert result.meta.calls == 3


async def test_rate_limit_asking_for_too_long_is_reported_with_retry_after(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    fake_openai.enqueue(HttpError(429, headers={"Retry-After": "3600"}))
    with pytest.raises(ProviderRateLimited) as caught:
        await _run(model)
    assert caught.value.retry_after == 3600
    assert caught.value.headers == {"Retry-After": "3600"}


async def test_persistent_server_error_gives_up_after_bounded_retries(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    fake_openai.enqueue(HttpError(500), HttpError(502), HttpError(500))
    with pytest.raises(ProviderError) as caught:
        await _run(model)
    assert (caught.value.status, caught.value.calls) == (502, 3)


async def test_refused_connection_is_provider_unavailable() -> None:
    settings = _settings(closed_port_url())
    async with connect(settings, parse_model_id(settings.model)) as connected:
        with pytest.raises(ProviderUnavailable) as caught:
            await _run(connected)
    assert (caught.value.status, caught.value.calls) == (503, 3)


async def test_slow_provider_is_a_timeout_and_is_not_retried(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.enqueue(Hang(5))
    settings = _settings(fake_openai.base_url, timeout_s=0.3)
    async with connect(settings, parse_model_id(settings.model)) as connected:
        with pytest.raises(ProviderTimeout) as caught:
            await _run(connected)
    assert (caught.value.status, caught.value.calls) == (504, 1)


async def test_refusal_and_malformed_body_and_auth_failure_are_provider_errors(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    fake_openai.enqueue(CompletionReply(None, refusal="I can't help with that."))
    with pytest.raises(ProviderRefused, match="refused"):
        await _run(model)
    fake_openai.enqueue(InvalidJSONBody())
    with pytest.raises(ProviderError, match="malformed"):
        await _run(model)
    fake_openai.enqueue(InvalidJSONBody(content_type="text/html"))
    with pytest.raises(ProviderError, match="malformed"):
        await _run(model)
    message = {"error": {"message": f"Incorrect API key provided: {sk('abcdefgh12345678wxyz')}"}}
    fake_openai.enqueue(HttpError(401, body=message))
    with pytest.raises(ProviderError) as caught:
        await _run(model)
    assert caught.value.status == 502
    assert "401" in caught.value.detail
    assert sk("abcdefgh") not in caught.value.detail


async def test_json_object_profile_puts_the_schema_in_the_prompt(
    fake_openai: FakeOpenAIServer,
) -> None:
    fake_openai.enqueue(CompletionReply("```json\n" + __import__("json").dumps(VALID) + "\n```"))
    settings = _settings(
        fake_openai.base_url, model="compatible:some-model", api_key=sk("test-key-0001")
    )
    async with connect(settings, parse_model_id(settings.model)) as connected:
        result = await _run(connected)
    body = fake_openai.requests[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert '"participants"' in body["messages"][0]["content"]
    assert fake_openai.requests[0].headers["authorization"] == bearer(sk("test-key-0001"))
    assert result.meta.provider == "compatible"


async def test_strict_grounding_drops_items_whose_quotes_are_invented(
    fake_openai: FakeOpenAIServer, model: ConnectedModel
) -> None:
    invented = {
        **VALID,
        "agreements": [{**VALID["agreements"][0], "quotes": ["They shook hands warmly."]}],
    }
    fake_openai.enqueue(CompletionReply.json(invented), CompletionReply.json(invented))
    flagged = await _run(model)
    assert flagged.summary.agreements[0].grounded is False
    strict = await _run(model, Settings(grounding_policy="strict"))
    assert strict.summary.agreements == []
    assert strict.meta.grounding.dropped_items == 1
