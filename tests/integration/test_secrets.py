"""Secrets never leave the process: not in an eval cassette, a log line (any level, in-process or
on the real server's stderr), or an error body. And an article's text is never logged at INFO;
at DEBUG only with ``log_article_text`` on.

The secrets are a provider key (``sk-test-…``, sent as ``Authorization: Bearer``), the API's own
bearer token, and ``OpenAI-Organization`` / ``OpenAI-Project`` ids (which the openai client
sends from ``OPENAI_ORG_ID`` / ``OPENAI_PROJECT_ID``). The fake provider echoes the key and the
organisation back in an error body, as OpenAI's "Incorrect API key provided" does.
"""

from __future__ import annotations

import json
import logging
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from concord.evaluation.case_runner import record_cases
from concord.evaluation.cases import load_cases
from concord.evaluation.cassettes import CassetteLibrary
from concord.prompts import load_prompt
from concord.providers.profiles import parse_model_id
from tests.fakes.credentials import AUTHORIZATION, ORGANIZATION_HEADER, PROJECT_HEADER, bearer, sk
from tests.fakes.openai_server import FakeOpenAIServer, HttpError
from tests.serving import fake_env, serve_process
from tests.shipped_evals import CASES_DIR
from tests.support.api import ARTICLE, DEFAULT_PROMPT, ClientFactory, fake_settings, valid_summary

PROVIDER_KEY = sk("test-0123456789abcdefghijklmnop")
API_TOKEN = "concord-api-token-9f8e7d6c5b4a3210"
ORG = "org-SecretOrg0123456789"
PROJECT = "proj-SecretProj0123456789"
SECRETS = (PROVIDER_KEY, API_TOKEN, ORG, PROJECT, "0123456789abcdefghijklmnop", "9f8e7d6c5b4a")
MARKER = "Zanzibar-7a1c"  # a sentence only the article holds, to spot its text in logs
SECRET_ARTICLE = f"{ARTICLE}\nThe meeting took place in {MARKER}."
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def _echo_secrets() -> HttpError:
    """A provider 401 whose body repeats what it was sent, as real providers do."""
    message = f"Incorrect API key provided: {PROVIDER_KEY} for organization {ORG}"
    return HttpError(401, body={"error": {"message": message, "type": "invalid_request_error"}})


def _assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into {where}"


def _assert_cassettes_clean(root: Path) -> None:
    cassettes = list(root.rglob("*.yaml"))
    assert cassettes
    for cassette in cassettes:
        _assert_clean(cassette.read_text(encoding="utf-8"), str(cassette))


@pytest.fixture
def org_and_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", ORG)
    monkeypatch.setenv("OPENAI_PROJECT_ID", PROJECT)


def _secrets_were_sent(fake: FakeOpenAIServer) -> None:
    """Guard against a vacuous pass: the secrets really went over the wire."""
    headers = fake.requests[0].headers
    assert headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert (headers[ORGANIZATION_HEADER], headers[PROJECT_HEADER]) == (ORG, PROJECT)


@pytest.mark.usefixtures("org_and_project")
async def test_eval_recording_holds_no_secret(
    fake_openai: FakeOpenAIServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = fake_settings(fake_openai.base_url, api_key=PROVIDER_KEY)
    cases = [case for case in load_cases(CASES_DIR) if case.id == "kerry-lavrov"]
    library = CassetteLibrary(tmp_path)
    fake_openai.enqueue(_echo_secrets(), *valid_summary())
    for _ in range(2):  # one recording of the failure, one of the answer
        await record_cases(
            settings, ref=parse_model_id(settings.model), cases=cases,
            prompt=load_prompt(DEFAULT_PROMPT), library=library,
        )  # fmt: skip
        _assert_cassettes_clean(tmp_path)
    _secrets_were_sent(fake_openai)
    _assert_clean(caplog.text, "the log")


@pytest.mark.usefixtures("org_and_project")
async def test_api_bodies_and_logs_hold_no_secret_nor_article_text(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every level, every logger
    fake_openai.enqueue(_echo_secrets(), *valid_summary())
    bodies: list[str] = []
    async with api_client(api_key=PROVIDER_KEY, api={"api_keys": [API_TOKEN]}) as client:
        post: Any = client.post
        no_token = await post("/v1/summaries", json={"text": SECRET_ARTICLE})
        wrong = await post(
            "/v1/summaries", json={"text": SECRET_ARTICLE},
            headers={"Authorization": f"Bearer {API_TOKEN[:-1]}X"},
        )  # fmt: skip
        rejected = await post("/v1/summaries", json={"text": SECRET_ARTICLE}, headers=AUTH)
        served = await post("/v1/summaries", json={"text": SECRET_ARTICLE}, headers=AUTH)
        bodies += [r.text + json.dumps(dict(r.headers)) for r in (no_token, wrong, rejected)]
    assert [no_token.status_code, wrong.status_code] == [401, 401]
    assert rejected.status_code == 502
    assert "[REDACTED]" in rejected.json()["detail"]
    assert served.status_code == 200
    _secrets_were_sent(fake_openai)
    for body in bodies:
        _assert_clean(body, "an error response")
    _assert_clean(caplog.text, "the log")
    assert caplog.records, "nothing was logged: the check above proves nothing"
    assert MARKER not in caplog.text  # log_article_text is off


async def test_article_text_is_logged_at_debug_only_when_asked(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_openai.enqueue(*valid_summary())
    async with api_client(log_article_text=True) as client:
        response = await client.post("/v1/summaries", json={"text": SECRET_ARTICLE})
    assert response.status_code == 200
    holding = [r for r in caplog.records if MARKER in r.getMessage()]
    assert holding, "log_article_text is on: the article should be logged at DEBUG"
    assert {r.levelno for r in holding} == {logging.DEBUG}


@pytest.mark.parametrize(
    ("level", "article_switch", "article_logged"),
    [("DEBUG", "false", False), ("INFO", "true", False), ("DEBUG", "true", True)],
)
async def test_real_server_stderr_holds_no_secret(
    fake_openai: FakeOpenAIServer,
    tmp_path: Path,
    level: str,
    article_switch: str,
    article_logged: bool,
) -> None:
    fake_openai.enqueue(_echo_secrets(), *valid_summary())
    env = fake_env(fake_openai) | {
        "CONCORD_API_KEY": PROVIDER_KEY,
        "CONCORD_API__API_KEYS": json.dumps([API_TOKEN]),
        "OPENAI_ORG_ID": ORG,
        "OPENAI_PROJECT_ID": PROJECT,
        "CONCORD_LOG_LEVEL": level,
        "CONCORD_LOG_ARTICLE_TEXT": article_switch,
    }
    with serve_process(tmp_path, env) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
            wrong = await client.post(
                "/v1/summaries", json={"text": SECRET_ARTICLE},
                headers={AUTHORIZATION: bearer("not-the-token-0123456789")},
            )  # fmt: skip
            rejected = await client.post(
                "/v1/summaries", json={"text": SECRET_ARTICLE}, headers=AUTH
            )
            served = await client.post("/v1/summaries", json={"text": SECRET_ARTICLE}, headers=AUTH)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=20) == 0
        log = server.log()
    assert (wrong.status_code, rejected.status_code, served.status_code) == (401, 502, 200)
    _secrets_were_sent(fake_openai)
    _assert_clean(log, "the server's stderr")
    _assert_clean(rejected.text, "an error response")
    # The failure was logged, at WARNING, under its request's id, with the provider's words and
    # its secrets redacted.
    logged = (
        f"WARNING concord.api.problems [{rejected.headers['x-request-id']}]: Provider error: the "
        "model provider rejected the request (401): Incorrect API key provided: [REDACTED] for "
        "organization [REDACTED]\n"
    )
    assert logged in log, log[-2000:]
    assert (MARKER in log) is article_logged, log[-2000:]
