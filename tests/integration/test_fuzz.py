"""Fuzz the HTTP API from its own OpenAPI document with schemathesis.

The app is served in-process (ASGI) and calls the fake OpenAI server on loopback, whose default
reply is a valid summary. Schemathesis generates valid and invalid requests for every documented
operation; whatever it sends, the app must not answer 5xx, must answer as documented (status,
content type, body schema, headers), must reject invalid input with a 4xx, and every 4xx must be
an ``application/problem+json`` document. Bounded: a fixed number of examples; the model is the
fake on 127.0.0.1. A generated ``url`` (the documented example's, say) is looked up like any
other, and one that cannot be fetched is answered with the documented 502 or 504.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (  # registered checks, resolved lazily by name
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.generation.modes import GenerationMode
from schemathesis.python import asgi
from schemathesis.schemas import APIOperation, BaseSchema

from concord.api import create_app
from concord.sources.errors import FetchFailed, FetchTimeout
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.api import fake_settings, valid_answer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]

OperationCase = Case[APIOperation[Any, Any, Any, Any]]  # a generated request for one operation


@pytest.fixture
def api_schema() -> Iterator[BaseSchema]:
    """The app's own OpenAPI document, loaded through the app, which calls the fake provider."""
    with FakeOpenAIServer() as fake:
        fake.default = valid_answer()
        app = create_app(fake_settings(fake.base_url))
        try:
            yield schemathesis.openapi.from_asgi("/schema/openapi.json", app)
        finally:
            # schemathesis keeps an app's lifespan running until the process exits: stop it
            # here, while the fake provider is still up, so the model client closes cleanly.
            asgi.shutdown_lifespans()
        assert not fake.errors


# A ``url`` the server cannot fetch (the documented example's host does not resolve here) is
# the page's fault, answered as documented with a 502 or 504 problem: the one 5xx allowed.
UNREACHABLE_PAGE = {FetchFailed.slug: FetchFailed.status, FetchTimeout.slug: FetchTimeout.status}


def _unreachable_page(response: Response) -> bool:
    if not response.headers.get("content-type", [""])[0].startswith("application/problem+json"):
        return False
    slug = str(response.json().get("type", "")).rpartition("/")[2]
    return UNREACHABLE_PAGE.get(slug) == response.status_code


def _check(case: OperationCase) -> None:
    response = case.call()
    unreachable = _unreachable_page(response)
    checks = [check for check in CHECKS if not (unreachable and check is not_a_server_error)]
    case.validate_response(response, checks=checks)
    if 400 <= response.status_code < 500:
        assert response.headers["content-type"][0].startswith("application/problem+json")
        body = response.json()
        assert body["type"].startswith("https://concord.dev/problems/")
        assert body["status"] == response.status_code
        assert "Traceback" not in response.text


# schemathesis's own pytest integration (``from_fixture`` + ``parametrize``) does not run under
# pytest 9, so its strategies drive a plain Hypothesis test instead.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_every_generated_request_as_documented(
    api_schema: BaseSchema, mode: GenerationMode
) -> None:
    @given(case=api_schema.as_strategy(mode))
    @settings(
        max_examples=50,
        deadline=None,
        derandomize=True,  # the same examples every run: a CI failure reproduces locally
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: OperationCase) -> None:
        _check(case)

    fuzz()
