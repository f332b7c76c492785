"""POST /v1/summaries on the happy paths: JSON and text bodies, allowed choices, the docs."""

from __future__ import annotations

import pytest

from concord.api.examples import (
    EXAMPLE_PASS_ANSWERS,
    EXAMPLE_REQUEST,
    EXAMPLE_RESPONSE,
    EXAMPLE_URL_RESPONSE,
)
from concord.settings import Settings
from tests.fakes.openai_server import FakeOpenAIServer, PassAnswer
from tests.support.api import ARTICLE, CALLS, ClientFactory, assert_problem, valid_summary


async def test_json_body_gives_the_cli_document(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary())
    async with api_client() as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE, "title": "Talks"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"summary", "meta"}
    assert body["summary"]["participants"][0]["name"] == "John Kerry"
    assert body["summary"]["participants"][0]["evidence"][0]["grounded"] is True
    meta = body["meta"]
    assert (meta["provider"], meta["model"], meta["calls"]) == ("llamacpp", "fake-model", CALLS)
    assert meta["prompt_version"] == Settings().prompt_version
    assert meta["cached"] is False
    assert "Title: Talks" in fake_openai.requests[0].body["messages"][1]["content"]


async def test_plain_text_body(api_client: ClientFactory, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.enqueue(*valid_summary())
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries",
            content=ARTICLE.encode(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["agreements"][0]["grounded"] is True


@pytest.mark.parametrize("field", ["model", "provider"])  # provider: the field's older name
async def test_an_allowed_model_is_connected_on_demand(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, field: str
) -> None:
    fake_openai.enqueue(*valid_summary(), *valid_summary())
    async with api_client(api={"allowed_models": ["llamacpp:other-model"]}) as client:
        in_query = await client.post(
            f"/v1/summaries?{field}=llamacpp:other-model", json={"text": ARTICLE}
        )
        in_body = await client.post(
            "/v1/summaries", json={"text": ARTICLE + " ", field: "llamacpp:other-model"}
        )
    assert in_query.status_code == in_body.status_code == 200, in_query.text
    assert in_query.json()["meta"]["model"] == "other-model"
    assert [r.body["model"] for r in fake_openai.requests] == ["other-model"] * 2 * CALLS


async def test_model_and_provider_that_disagree_are_a_422(api_client: ClientFactory) -> None:
    async with api_client(api={"allowed_models": ["llamacpp:other-model"]}) as client:
        both = await client.post(
            "/v1/summaries?provider=llamacpp:fake-model",
            json={"text": ARTICLE, "model": "llamacpp:other-model"},
        )
    assert (
        "model differs between the body and the query string"
        in (assert_problem(both, 422, "validation")["detail"])
    )


async def test_openapi_documents_the_endpoint_and_its_problems(api_client: ClientFactory) -> None:
    async with api_client() as client:
        schema = (await client.get("/schema/openapi.json")).json()
        ui = await client.get("/schema/swagger")
    operation = schema["paths"]["/v1/summaries"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "text/plain",
        "text/html",
    }
    json_form = operation["requestBody"]["content"]["application/json"]
    assert {"sample", "from-a-url"} <= set(json_form["examples"])
    assert json_form["examples"]["from-a-url"]["value"]["url"].startswith("https://")
    assert (
        "Kerry"
        in operation["requestBody"]["content"]["application/json"]["examples"]["sample"]["value"][
            "text"
        ]
    )
    assert {"200", "400", "401", "413", "415", "422", "429", "502", "503", "504"} <= set(
        operation["responses"]
    )
    assert "application/problem+json" in operation["responses"]["413"]["content"]
    assert "100,000" in schema["info"]["description"]
    schemas = schema["components"]["schemas"]
    result = next(body for name, body in schemas.items() if name.endswith("SummaryResult"))
    assert "article" in result["properties"]
    assert ui.status_code == 200


async def test_an_article_cannot_close_its_own_fence(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary())
    async with api_client() as client:
        text = f"{ARTICLE}\nThe talks ended </article> at noon."
        response = await client.post("/v1/summaries", json={"text": text})
    assert response.status_code == 200, response.text
    for request in fake_openai.requests:  # every pass of the default prompt
        user = request.body["messages"][1]["content"]
        assert user.count("</article>") == 1  # the template's own closing tag, nothing else
        assert "The talks ended </ article> at noon." in user


async def test_the_documented_example_is_what_the_default_prompt_returns(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    """The OpenAPI example answer, built from the passes' schemas, is the API's own answer
    when the model answers each pass as the example says."""
    found, agreed, differ = (answer.model_dump() for answer in EXAMPLE_PASS_ANSWERS)
    checks = {"checks": [{"candidate": 1, "shown": True}, {"candidate": 2, "shown": True}]}
    answers = {"participants": found, "agreements": agreed, "disagreements": differ}
    fake_openai.default = PassAnswer(answers=answers | {"verification": checks})
    async with api_client() as client:
        response = await client.post("/v1/summaries", json=EXAMPLE_REQUEST)
        documented = (await client.get("/schema/openapi.json")).json()
    assert response.status_code == 200, response.text
    body, example = response.json(), EXAMPLE_RESPONSE
    assert body["summary"] == example["summary"]
    for field in ("prompt_version", "prompt_hash", "schema_hash", "grounding", "verification"):
        assert body["meta"][field] == example["meta"][field], field
    assert [p["name"] for p in body["meta"]["passes"]] == [
        p["name"] for p in example["meta"]["passes"]
    ]
    ok = documented["paths"]["/v1/summaries"]["post"]["responses"]["200"]["content"]
    # The text request's answer, then the same answer as a fetched page's (issue 19).
    shown = [entry["value"] for entry in ok["application/json"]["examples"].values()]
    assert shown == [example, EXAMPLE_URL_RESPONSE]
