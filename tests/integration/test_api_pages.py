"""POST /v1/summaries from a web page: a ``url`` the server fetches under its policy, or a saved
page as a ``text/html`` body; and every way a fetch is refused, as a problem document.

The pages come from a real HTTP server on loopback (``tests/fakes/page_server.py``) and the
summary from the fake OpenAI server, through the real app.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.page_server import Page, PageServer, Redirect, saved_page
from tests.support.api import ClientFactory, assert_problem, valid_summary

NEWS = saved_page("news-article.html")
PRIVATE_OK = {"fetch": {"allow_private": True}}  # the page server is on loopback
BOILERPLATE = ["Advertisement", "GeoffFromLeeds", "Subscribe", "Most viewed", "Cookie"]


def assert_offsets_index_the_article(body: dict[str, Any]) -> None:
    """Every grounded quote is exactly ``article.text[start:end]``."""
    text = body["article"]["text"]
    items = [item for kind in body["summary"].values() for item in kind]
    spans = [evidence for item in items for evidence in item["evidence"] if evidence["grounded"]]
    assert spans, "nothing was grounded"
    for evidence in spans:
        assert text[evidence["start"] : evidence["end"]] == evidence["quote"]


async def test_a_url_is_fetched_extracted_and_summarised(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, page_server: PageServer
) -> None:
    url = page_server.add("/world/kerry-lavrov.html", Page(NEWS))
    fake_openai.enqueue(*valid_summary())
    async with api_client(**PRIVATE_OK) as client:
        response = await client.post("/v1/summaries", json={"url": url})
    assert response.status_code == 200, response.text
    body = response.json()
    article = body["article"]
    assert article["title"] == "Kerry and Lavrov agree to share intelligence on Isis"
    assert "Sergei Lavrov have agreed to increase cooperation" in article["text"]
    assert not [word for word in BOILERPLATE if word in article["text"]]
    assert body["meta"]["source"] == {
        "kind": "url",
        "url": url,
        "final_url": url,
        "content_type": "text/html",
        "extractor": "trafilatura",
        "extractor_version": "2.3.1",
    }
    assert_offsets_index_the_article(body)
    prompt = fake_openai.requests[0].body["messages"][1]["content"]
    assert "September ceasefire" in prompt
    assert "GeoffFromLeeds" not in prompt


async def test_redirects_are_followed_and_the_final_url_reported(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, page_server: PageServer
) -> None:
    page_server.add("/news.html", Page(NEWS))
    page_server.add("/short/1", Redirect("/old/path", status=301))
    page_server.add("/old/path", Redirect(page_server.url("/news.html"), status=307))
    fake_openai.enqueue(*valid_summary())
    async with api_client(**PRIVATE_OK) as client:
        response = await client.post("/v1/summaries", json={"url": page_server.url("/short/1")})
    assert response.status_code == 200, response.text
    source = response.json()["meta"]["source"]
    assert (source["url"], source["final_url"]) == (
        page_server.url("/short/1"),
        page_server.url("/news.html"),
    )
    assert page_server.paths() == ["/short/1", "/old/path", "/news.html"]


async def test_the_page_is_fetched_from_the_checked_address_under_its_own_name(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, page_server: PageServer
) -> None:
    page_server.add("/news.html", Page(NEWS))
    fake_openai.enqueue(*valid_summary())
    async with api_client(**PRIVATE_OK) as client:
        response = await client.post(
            "/v1/summaries", json={"url": page_server.url("/news.html", host="localhost")}
        )
    assert response.status_code == 200, response.text
    assert page_server.requests[0].host == f"localhost:{page_server.port}"


async def test_a_saved_page_as_a_text_html_body(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary())
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries", content=NEWS, headers={"Content-Type": "text/html"}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["source"]["kind"] == "html"
    assert body["meta"]["source"]["extractor"] == "trafilatura"
    assert body["meta"]["source"]["url"] is None
    assert "Lavrov said Moscow had been warning" in body["article"]["text"]
    assert_offsets_index_the_article(body)


async def test_a_plain_text_page_is_taken_as_it_is(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, page_server: PageServer
) -> None:
    text = (
        "US Secretary of State John Kerry and Russian Foreign Minister Sergei Lavrov agreed to "
        "increase cooperation between intelligence services on Isis.\n"
        '"We both recognise the need to destroy and ultimately defeat Isil," Kerry said.'
    )
    url = page_server.add("/wire.txt", Page(text.encode(), content_type="text/plain"))
    fake_openai.enqueue(*valid_summary())
    async with api_client(**PRIVATE_OK) as client:
        response = await client.post("/v1/summaries", json={"url": url})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["article"]["text"] == text
    assert body["meta"]["source"]["content_type"] == "text/plain"
    assert body["meta"]["source"]["extractor"] is None


async def test_text_sent_as_text_says_so_and_carries_no_article(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary())
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries",
            json={"text": "John Kerry agreed to increase cooperation between intelligence "
                  "services on Isis. We both recognise the need to destroy and ultimately "
                  "defeat Isil."},
        )  # fmt: skip
    assert response.status_code == 200, response.text
    assert "article" not in response.json()
    assert response.json()["meta"]["source"]["kind"] == "text"


async def test_the_event_stream_carries_the_source_and_the_article(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, page_server: PageServer
) -> None:
    url = page_server.add("/news.html", Page(NEWS))
    fake_openai.enqueue(*valid_summary())
    async with api_client(**PRIVATE_OK) as client:
        response = await client.post(
            "/v1/summaries", json={"url": url}, headers={"Accept": "text/event-stream"}
        )
    assert response.status_code == 200
    summary_event = response.text.split("event: summary", 1)[1]
    assert '"final_url"' in summary_event
    assert "Sergei Lavrov have agreed" in summary_event


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_loopback_is_refused_by_default_after_resolving_the_name(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, page_server: PageServer, host: str
) -> None:
    page_server.add("/news.html", Page(NEWS))
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries", json={"url": page_server.url("/news.html", host=host)}
        )
    body = assert_problem(response, 403, "fetch-forbidden")
    assert "loopback" in body["detail"]
    assert "CONCORD_FETCH__ALLOW_PRIVATE" in body["detail"]
    assert body["address_kind"] == "loopback"
    assert page_server.requests == []
    assert fake_openai.requests == []


async def test_loopback_is_allowed_by_an_allow_list(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, page_server: PageServer
) -> None:
    url = page_server.add("/news.html", Page(NEWS))
    fake_openai.enqueue(*valid_summary())
    async with api_client(fetch={"allow_networks": ["127.0.0.1/32"]}) as client:
        response = await client.post("/v1/summaries", json={"url": url})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("location", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/", "metadata"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "metadata"),
        ("http://169.254.10.1/", "link-local"),
        ("http://0.0.0.0:80/", "unspecified"),
        ("http://[::ffff:10.0.0.1]/admin", "private"),
    ],
)
async def test_a_redirect_to_a_forbidden_address_is_refused_before_connecting(
    api_client: ClientFactory, page_server: PageServer, location: str, kind: str
) -> None:
    url = page_server.add("/go", Redirect(location))
    # Loopback opened for the page server only: everything else keeps its refusal.
    async with api_client(fetch={"allow_networks": ["127.0.0.1/32"]}) as client:
        response = await client.post("/v1/summaries", json={"url": url})
    body = assert_problem(response, 403, "fetch-forbidden")
    assert body["address_kind"] == kind
    assert page_server.paths() == ["/go"]


async def test_every_redirect_is_checked_not_only_the_first_hop(
    api_client: ClientFactory, page_server: PageServer
) -> None:
    url = page_server.add("/go", Redirect(f"http://127.0.0.2:{page_server.port}/news.html"))
    async with api_client(fetch={"allow_networks": ["127.0.0.1/32"]}) as client:
        response = await client.post("/v1/summaries", json={"url": url})
    body = assert_problem(response, 403, "fetch-forbidden")
    assert "127.0.0.2" in body["detail"]


async def test_metadata_stays_refused_with_private_addresses_allowed(
    api_client: ClientFactory, page_server: PageServer
) -> None:
    url = page_server.add("/go", Redirect("http://169.254.169.254/latest/meta-data/"))
    async with api_client(**PRIVATE_OK) as client:
        response = await client.post("/v1/summaries", json={"url": url})
    assert assert_problem(response, 403, "fetch-forbidden")["address_kind"] == "metadata"


@pytest.mark.parametrize("content_length", [True, False], ids=["declared", "streamed"])
async def test_an_oversized_page_is_413_and_reading_stops(
    api_client: ClientFactory, page_server: PageServer, content_length: bool
) -> None:
    huge = b"<html><body><article>" + b"<p>" + b"word " * 400_000 + b"</p></article></body></html>"
    url = page_server.add("/huge.html", Page(huge, content_length=content_length))
    async with api_client(fetch={"allow_private": True, "max_bytes": 100_000}) as client:
        response = await client.post("/v1/summaries", json={"url": url})
    body = assert_problem(response, 413, "page-too-large")
    assert body["limit"] == 100_000
    assert "100,000 bytes" in body["detail"]
    assert "CONCORD_FETCH__MAX_BYTES" in body["detail"]


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/pdf", "image/png", "text/csv"]
)
async def test_a_page_that_is_not_html_or_text_is_refused(
    api_client: ClientFactory, page_server: PageServer, content_type: str
) -> None:
    url = page_server.add("/thing", Page(b'{"a": 1}', content_type=content_type))
    async with api_client(**PRIVATE_OK) as client:
        response = await client.post("/v1/summaries", json={"url": url})
    body = assert_problem(response, 422, "unsupported-page-type")
    assert content_type in body["detail"]


async def test_a_slow_page_hits_the_time_limit(
    api_client: ClientFactory, page_server: PageServer
) -> None:
    url = page_server.add("/slow.html", Page(NEWS, delay=5.0))
    async with api_client(fetch={"allow_private": True, "timeout_s": 0.5}) as client:
        started = time.monotonic()
        response = await client.post("/v1/summaries", json={"url": url})
        elapsed = time.monotonic() - started
    body = assert_problem(response, 504, "fetch-timeout")
    assert "0.5 s" in body["detail"]
    assert elapsed < 3


async def test_an_upstream_error_is_502_with_its_status(
    api_client: ClientFactory, page_server: PageServer
) -> None:
    async with api_client(**PRIVATE_OK) as client:
        response = await client.post("/v1/summaries", json={"url": page_server.url("/gone")})
    body = assert_problem(response, 502, "fetch-failed")
    assert body["upstream_status"] == 404


async def test_a_redirect_loop_ends_at_the_redirect_limit(
    api_client: ClientFactory, page_server: PageServer
) -> None:
    url = page_server.add("/loop", Redirect("/loop"))
    async with api_client(fetch={"allow_private": True, "max_redirects": 3}) as client:
        response = await client.post("/v1/summaries", json={"url": url})
    assert "more than 3 times" in assert_problem(response, 502, "fetch-failed")["detail"]
    assert page_server.paths() == ["/loop"] * 4


async def test_an_unreachable_host_is_502(api_client: ClientFactory) -> None:
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries", json={"url": "http://no-such-host.invalid/page.html"}
        )
    assert_problem(response, 502, "fetch-failed")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/a.html", "gopher://x", "not a url", "http://"]
)
async def test_urls_that_are_not_http_are_422(api_client: ClientFactory, url: str) -> None:
    async with api_client() as client:
        response = await client.post("/v1/summaries", json={"url": url})
    assert_problem(response, 422, "invalid-url")


async def test_a_page_with_no_article_is_422(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    # A script-rendered page as a fetcher sees it: a shell, its text left for JavaScript.
    shell = (
        b'<!DOCTYPE html><html><head><title>News</title><script src="/app.js"></script>'
        b'</head><body><div id="root"></div></body></html>'
    )
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries", content=shell, headers={"Content-Type": "text/html"}
        )
    assert_problem(response, 422, "no-article-text")
    assert fake_openai.requests == []


@pytest.mark.parametrize(
    "body", [{"text": "Kerry spoke.", "url": "https://example.com/a"}, {"title": "only a title"}]
)
async def test_exactly_one_of_text_and_url(api_client: ClientFactory, body: dict[str, Any]) -> None:
    async with api_client() as client:
        response = await client.post("/v1/summaries", json=body)
    document = assert_problem(response, 422, "validation")
    assert "exactly one of 'text'" in document["detail"]


async def test_a_saved_page_has_the_page_limit_not_the_json_one(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    assert 2_000 < len(NEWS) < 20_000  # a JSON body this size would be refused
    fake_openai.enqueue(*valid_summary())
    limits = {"api": {"max_body_bytes": 2_000}, "fetch": {"max_bytes": 20_000}}
    async with api_client(**limits) as client:
        page = await client.post(
            "/v1/summaries", content=NEWS, headers={"Content-Type": "text/html"}
        )
        json_body = await client.post("/v1/summaries", json={"text": "word " * 1_000})
        too_big = await client.post(
            "/v1/summaries", content=NEWS + b" " * 20_000, headers={"Content-Type": "text/html"}
        )
    assert page.status_code == 200, page.text
    assert "2,000 bytes" in assert_problem(json_body, 413, "body-too-large")["detail"]
    assert "CONCORD_FETCH__MAX_BYTES" in assert_problem(too_big, 413, "body-too-large")["detail"]
