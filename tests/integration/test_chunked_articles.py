"""A long article in chunks, through the HTTP API: what a reader of the summary notices.

``CONCORD_CHUNK_CHARS`` is set small so a thirteen-sentence article is cut into several chunks.
The fake model (``tests.fakes.reader.FakeReader``) answers each pass from the numbered
sentences it is shown, by keyword, as a model reading only its chunk would: it names the people
it sees the way that chunk writes them, and reports each side of the dam dispute where that side
is written. The summary must still list each person once, hold the dispute as one point with
both sides, cite only sentences of the article at their offsets, and show "chunk k of n" as it
goes.
"""

from __future__ import annotations

import itertools

from tests.fakes.openai_server import FakeOpenAIServer, HttpError
from tests.fakes.reader import LONG_ARTICLE as ARTICLE
from tests.fakes.reader import FakeReader
from tests.support.api import ClientFactory, assert_problem
from tests.support.events import EVENTS, parse_events

CHUNKED = {
    "prompt_version": "summarise/v3",
    "chunk_chars": 420,
    "chunk_overlap_sentences": 1,
    "chunk_concurrency": 1,
}


async def test_a_long_article_in_chunks_lists_each_person_once_and_joins_the_two_sides(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReader()
    async with api_client(**CHUNKED) as client:
        streamed = await client.post("/v1/summaries", json={"text": ARTICLE}, headers=EVENTS)
    assert streamed.status_code == 200, streamed.text
    events = parse_events(streamed.text)
    name, result = events[-1]
    assert name == "summary"
    summary, meta = result["summary"], result["meta"]
    chunks = meta["chunks"]
    count = chunks["count"]
    assert count >= 3

    # "chunk k of n" for every chunk, as the steps go
    started = [d["step"] for n, d in events if n == "step" and d["phase"] == "started"]
    for k in range(1, count + 1):
        assert f"participants · chunk {k} of {count}" in started
        assert f"disagreements · chunk {k} of {count}" in started

    # each chunk opens with the last sentence of the one before, numbered as in the article
    spans = chunks["sentences"]
    assert spans[0][0] == 1
    assert all(later[0] == earlier[1] for earlier, later in itertools.pairwise(spans))

    # one person, one entry, however each chunk wrote the name
    names = [p["name"] for p in summary["participants"]]
    assert len(names) == 2, names
    assert any("Anders Kjellberg" in n for n in names)
    assert any("Nadia Farouk" in n for n in names)
    assert chunks["participants_found"] > chunks["participants_merged"] == 2

    # the two sides of the dam, reported chunks apart, are one point with both positions
    (dam,) = summary["disagreements"]
    assert dam["topic"] == "the Kessel dam plan"
    assert sorted(p["position"] for p in dam["positions"]) == ["against", "for"]
    assert {p["party"] for p in dam["positions"]} == set(names)
    (agreement,) = summary["agreements"]
    assert set(agreement["parties"]) == set(names)

    # every quote is the article's own text at its offsets
    evidence = [e for group in summary.values() for item in group for e in item["evidence"]]
    assert evidence
    assert all(ARTICLE[e["start"] : e["end"]] == e["quote"] for e in evidence)
    # a title stays with its name: "Ms. Farouk backed …", never "Ms." alone
    assert all(e["quote"] not in {"Mr.", "Ms.", "Gov."} for e in evidence)
    assert any(e["quote"].startswith("Ms. Farouk backed") for e in evidence)

    # each pass records which chunk it read; no verification call in chunks (the cues decide)
    read = [(p["name"], p["chunk"]) for p in meta["passes"]]
    for name in ("participants", "agreements", "disagreements"):
        assert sorted(c for n, c in read if n == name) == list(range(1, count + 1))
    assert "verification" not in {name for name, _ in read}
    assert meta["calls"] == 3 * count


async def test_an_article_that_fits_goes_through_in_one_piece(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = FakeReader()
    async with api_client(**{**CHUNKED, "chunk_chars": 6_000}) as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert response.status_code == 200, response.text
    meta = response.json()["meta"]
    assert "chunks" not in meta
    assert all("chunk" not in p for p in meta["passes"])
    assert [p["name"] for p in meta["passes"]][:3] == [
        "participants",
        "agreements",
        "disagreements",
    ]


async def test_a_provider_fault_in_a_chunk_is_a_502_problem_not_an_internal_error(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = HttpError(500)
    async with api_client(**{**CHUNKED, "chunk_concurrency": 3}) as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE})
    problem = assert_problem(response, 502, "provider-error")
    assert "Traceback" not in response.text
    assert problem["status"] == 502
