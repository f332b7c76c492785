"""``X-Request-ID``: kept when the caller sends a sane one, made up otherwise, returned on every
response (a 404 included), a member of every problem document, and on every log line, which
``CONCORD_LOG_FORMAT=json`` writes as one JSON object each."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from concord.redact import configure_logging
from tests.fakes.openai_server import FakeOpenAIServer, HttpError
from tests.support.api import ARTICLE, ClientFactory, assert_problem, valid_summary


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Concord's own log setup, JSON lines, written here instead of stderr; the old one after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("WARNING", "json")
    written = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)
    yield written
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_a_given_id_comes_back_and_a_missing_or_forged_one_is_replaced(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary())
    async with api_client() as client:
        given = await client.post(
            "/v1/summaries", json={"text": ARTICLE}, headers={"X-Request-ID": "lb-7f3a.42"}
        )
        made = await client.get("/healthz")
        forged = await client.get("/healthz", headers={"X-Request-ID": "x\tFAKE LOG LINE " * 20})
        unknown = await client.get("/no/such/route", headers={"X-Request-ID": "lb-404"})
    assert given.status_code == 200
    assert given.headers["x-request-id"] == "lb-7f3a.42"
    assert len(made.headers["x-request-id"]) == 32
    assert forged.headers["x-request-id"] not in ("", "x\tFAKE LOG LINE " * 20)
    assert made.headers["x-request-id"] != forged.headers["x-request-id"]
    assert assert_problem(unknown, 404, "not-found")["request_id"] == "lb-404"
    assert unknown.headers["x-request-id"] == "lb-404"


async def test_a_failed_request_names_its_id_in_the_problem_and_in_every_json_log_line(
    api_client: ClientFactory,
    fake_openai: FakeOpenAIServer,
    json_logs: io.StringIO,
) -> None:
    for _ in range(3):  # the first try and both transient retries
        fake_openai.enqueue(HttpError(500))
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries", json={"text": ARTICLE}, headers={"X-Request-ID": "req-502"}
        )
    problem = assert_problem(response, 502, "provider-error")
    assert problem["request_id"] == "req-502"
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    assert len(lines) >= 3, lines  # two retry warnings and the 502's
    assert {line["request_id"] for line in lines} == {"req-502"}
    assert {line["level"] for line in lines} == {"WARNING"}
    assert any("transient provider fault" in line["message"] for line in lines)
