"""The provider fault matrix, as an API client meets it.

Each row scripts one fault into the fake OpenAI server, sends ``POST /v1/summaries`` through the
real Litestar app (which calls the fake through the real ``openai`` client over loopback HTTP),
and checks the defined outcome: a 200 after retrying, or a problem document with a stable
``type``, the ``calls`` made, ``Retry-After`` on 429, and nothing internal or secret in the
body. Then the next request must succeed: no fault leaves the service broken.

The fault table of docs/http-api.md ("Errors") is this matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.fakes.credentials import sk
from tests.fakes.openai_server import (
    CompletionReply,
    EmptyChoices,
    FakeOpenAIServer,
    Hang,
    HttpError,
    Huge,
    InvalidJSONBody,
    Reply,
    ResetMidBody,
    closed_port_url,
)
from tests.support.api import ARTICLE, CALLS, ClientFactory, assert_problem, valid_summary

PROVIDER_KEY = sk("test-faultmatrix-0123456789abcdef")
BROKEN = CompletionReply.json({"participants": [{"name": "John Kerry"}]})  # misses required fields


@dataclass(frozen=True)
class Fault:
    """One row: what the provider does, and what the API client must see."""

    replies: tuple[Reply, ...]
    status: int
    slug: str | None  # the problem type; None for a 200
    calls: int  # provider calls made: meta.calls on a 200, `calls` in a problem
    retry_after: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    refused: bool = False  # nothing listens at the provider's address


# Each fault strikes the first call of a summary (its first pass); "then valid" rows go on to
# answer every pass of the default prompt.
FAULTS: dict[str, Fault] = {
    "connect refused": Fault((), 503, "provider-unavailable", 3, refused=True),
    "slow beyond the timeout": Fault(
        (Hang(30),), 504, "provider-timeout", 1, settings={"timeout_s": 0.5}
    ),
    "500 once, then valid": Fault((HttpError(500), *valid_summary()), 200, None, 1 + CALLS),
    "500 every time": Fault((HttpError(500),) * 3, 502, "provider-error", 3),
    "502 every time": Fault((HttpError(502),) * 3, 502, "provider-error", 3),
    "503 every time": Fault((HttpError(503),) * 3, 503, "provider-unavailable", 3),
    "429 Retry-After 0, then valid": Fault(
        (HttpError(429, headers={"Retry-After": "0"}), *valid_summary()), 200, None, 1 + CALLS
    ),
    "429 Retry-After beyond max backoff": Fault(
        (HttpError(429, headers={"Retry-After": "3600"}),),
        429,
        "provider-rate-limited",
        1,
        retry_after="3600",
    ),
    "429 without Retry-After every time": Fault(
        (HttpError(429),) * 3, 429, "provider-rate-limited", 3, retry_after="1"
    ),
    "connection reset mid-body every time": Fault(
        (ResetMidBody(),) * 3, 503, "provider-unavailable", 3
    ),
    "connection reset mid-body, then valid": Fault(
        (ResetMidBody(), *valid_summary()), 200, None, 1 + CALLS
    ),
    "invalid JSON body": Fault((InvalidJSONBody(),), 502, "provider-error", 1),
    "schema-breaking JSON, then valid": Fault((BROKEN, *valid_summary()), 200, None, 1 + CALLS),
    "JSON that never validates": Fault(
        (BROKEN, CompletionReply("{}"), CompletionReply("[1, 2]")), 502, "output-invalid", 3
    ),
    'finish_reason "length", then valid': Fault(
        (CompletionReply('{"participants": [', finish_reason="length"), *valid_summary()),
        200,
        None,
        1 + CALLS,
    ),
    'finish_reason "length" every time': Fault(
        (CompletionReply('{"participants": [', finish_reason="length"),) * 3,
        502,
        "output-invalid",
        3,
    ),
    "refusal": Fault(
        (CompletionReply(None, refusal="I can't help with that."),), 502, "provider-refused", 1
    ),
    "empty choices every time": Fault((EmptyChoices(),) * 3, 502, "output-invalid", 3),
    "huge response (5 MiB) every time": Fault((Huge(5),) * 3, 502, "output-invalid", 3),
}


def _check_problem(response: Any, fault: Fault) -> None:
    body = assert_problem(response, fault.status, str(fault.slug))
    assert body["calls"] == fault.calls
    if fault.retry_after is not None:
        assert response.headers["retry-after"] == fault.retry_after
    # Nothing internal leaves the process: no traceback, no key, no raw completion.
    for leak in ("Traceback", 'File "', PROVIDER_KEY, "sk-test", "xxxxxxxxxx", "chatcmpl"):
        assert leak not in response.text
    assert len(response.content) < 4096


@pytest.mark.parametrize("fault", FAULTS.values(), ids=list(FAULTS))
async def test_fault_matrix(
    fault: Fault, api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    base_url = closed_port_url() if fault.refused else fake_openai.base_url
    fake_openai.enqueue(*fault.replies)
    async with api_client(base_url=base_url, api_key=PROVIDER_KEY, **fault.settings) as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE})
        assert response.status_code == fault.status, response.text
        if fault.slug is None:
            assert response.json()["meta"]["calls"] == fault.calls
        else:
            _check_problem(response, fault)
        assert not fake_openai.pending  # every scripted reply was asked for: attempts are real

        # The service is healthy afterwards: the next request (another article) succeeds.
        if fault.refused:  # the provider comes back on the address that refused
            port = int(base_url.rsplit(":", 1)[1].split("/")[0])
            with FakeOpenAIServer(port=port) as revived:
                revived.enqueue(*valid_summary())
                after = await client.post("/v1/summaries", json={"text": ARTICLE + " Later."})
        else:
            fake_openai.enqueue(*valid_summary())
            after = await client.post("/v1/summaries", json={"text": ARTICLE + " Later."})
        assert after.status_code == 200, after.text
        assert after.json()["meta"]["cached"] is False
