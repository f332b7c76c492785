"""Articles up to 100,000 characters by default, and the clear refusal one character beyond:
over HTTP (with the body limit following the article limit) and in the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from concord.settings import Settings
from tests.fakes.openai_server import FakeOpenAIServer
from tests.integration.test_cli import _concord, _env
from tests.support.api import ARTICLE, ClientFactory, assert_problem, valid_summary

LIMIT = 100_000


def _article_of(length: int, filler: str = "ж") -> str:
    """The test article (the fake's quotes are in it) padded to ``length`` characters."""
    return ARTICLE + "\n" + filler * (length - len(ARTICLE) - 1)


def test_the_default_limit_is_100_000_characters() -> None:
    settings = Settings()
    assert settings.max_article_chars == LIMIT
    assert settings.body_limit_bytes > 6 * LIMIT  # every character escaped as \\uXXXX fits


async def test_an_article_at_the_limit_is_summarised_even_escaped_to_ascii(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary())
    body = json.dumps({"text": _article_of(LIMIT)}).encode()  # ensure_ascii: 6 bytes a char
    assert len(body) > 590_000
    # In one piece (a context that holds it, no chunk size): this test is about the body limit.
    async with api_client(max_article_chars=LIMIT, chunk_chars=0, context_window=128_000) as client:
        response = await client.post(
            "/v1/summaries", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 200, response.text[:500]
    assert response.json()["summary"]["participants"][0]["evidence"][0]["grounded"] is True


async def test_one_character_over_is_413_naming_the_limit_and_the_length(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    body = json.dumps({"text": _article_of(LIMIT + 1)}).encode()
    async with api_client(max_article_chars=LIMIT) as client:
        response = await client.post(
            "/v1/summaries", content=body, headers={"Content-Type": "application/json"}
        )
    problem = assert_problem(response, 413, "article-too-large")
    assert (problem["limit"], problem["length"]) == (LIMIT, LIMIT + 1)
    assert "100,001 characters; the limit is 100,000" in problem["detail"]
    assert fake_openai.requests == []


async def test_the_body_limit_follows_the_article_limit(api_client: ClientFactory) -> None:
    async with api_client(max_article_chars=1_000) as client:
        within = await client.post("/v1/summaries", json={"text": "ж" * 1_001})
        beyond = await client.post(
            "/v1/summaries",
            content=json.dumps({"text": "x" * 80_000}).encode(),
            headers={"Content-Type": "application/json"},
        )
    assert_problem(within, 413, "article-too-large")  # the body got through to the article check
    problem = assert_problem(beyond, 413, "body-too-large")
    assert problem["limit"] == 1_000 * 6 + 65_536
    assert f"{1_000 * 6 + 65_536:,} bytes" in problem["detail"]


def test_the_cli_refuses_one_character_over_in_one_line(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    article = tmp_path / "long.txt"
    article.write_text(_article_of(LIMIT + 1, filler="a"), encoding="utf-8")
    done = _concord("summarise", str(article), env=_env(fake_openai))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "concord: article too large: the article has 100,001 characters; the limit is 100,000 "
        "(CONCORD_MAX_ARTICLE_CHARS)\n"
    )
    assert fake_openai.requests == []
