"""The reader page and the API docs in a real headless Chromium, as a person would use them,
against ``concord serve`` backed by the fake provider."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Route, expect

from concord.schema import (
    ModelAgreement,
    ModelDisagreement,
    ModelParticipant,
    ModelPosition,
    ModelSummary,
)
from tests.browser.chromium import chromium, watched_page
from tests.fakes.openai_server import CompletionReply, FakeOpenAIServer
from tests.serving import ServeProcess, fake_env, serve_process

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SAMPLE = (REPO / "evals/cases/kerry-lavrov/article.txt").read_text(encoding="utf-8")
UKRAINE = (
    "Washington and Moscow's top diplomats spoke in Paris following talks over areas of "
    "coordination despite a post-Cold War low in relations between the two over Russia's "
    "participation in unrest in Ukraine."
)
SCREENSHOT = REPO / "reports" / "reader-page.png"
# The page is shown a quote prompt's answer on purpose: only quotes can be "not found in the
# article", and how the page marks such an item is what these tests look at.
QUOTE_PROMPT = {"CONCORD_PROMPT_VERSION": "summarise/v2"}


def sample_summary() -> ModelSummary:
    """What the fake model answers: grounded items, a Ukraine disagreement, one made-up quote."""
    return ModelSummary(
        participants=[
            ModelParticipant(
                name="John Kerry",
                role="US Secretary of State",
                affiliation="United States",
                quotes=["We both recognise the need to destroy and ultimately defeat Isil"],
            ),
            ModelParticipant(
                name="Sergei Lavrov",
                role="Russian Foreign Minister",
                affiliation="Russia",
                quotes=["Russian Foreign Minister Sergei Lavrov"],
            ),
        ],
        agreements=[
            ModelAgreement(
                statement="Increase intelligence cooperation on Isis.",
                parties=["John Kerry", "Sergei Lavrov"],
                quotes=["increase cooperation between intelligence services on Isis"],
            ),
            ModelAgreement(
                statement="A joint ground force.",
                parties=["John Kerry", "Sergei Lavrov"],
                quotes=["both sides will send troops to Syria next week"],  # not in the article
            ),
        ],
        disagreements=[
            ModelDisagreement(
                topic="Ukraine",
                positions=[
                    ModelPosition(party="John Kerry", position="Russia fuels unrest in Ukraine."),
                    ModelPosition(party="Sergei Lavrov", position="Russia's role is defensible."),
                ],
                quotes=[UKRAINE],
            )
        ],
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """``concord serve`` on the fake provider, which takes a second to answer so that the page
    has time to show the model step under way."""
    with FakeOpenAIServer() as fake:
        fake.default = CompletionReply.json(sample_summary().model_dump(), delay=1.5)
        with serve_process(
            tmp_path_factory.mktemp("serve"), fake_env(fake) | QUOTE_PROMPT
        ) as server:
            yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with chromium(tmp_path_factory.mktemp("profile")) as context:
        yield context


def test_a_reader_sees_progress_then_the_summary_on_the_article(
    served: ServeProcess, browser: BrowserContext
) -> None:
    watched = watched_page(browser)
    page = watched.page
    page.goto(served.base + "/")
    expect(page.locator("#model option")).to_have_text(["llamacpp:fake-model"])
    page.fill("#article", SAMPLE)
    page.fill("#title", "Kerry and Lavrov agree on Isis")
    page.click("#submit")

    # The step indicator moves: the model step is seen under way, then the result replaces it.
    expect(page.locator("#step-model")).to_have_text(re.compile("under way"))
    expect(page.locator("#result")).to_be_visible(timeout=20_000)
    expect(page.locator("#participants > li")).to_have_count(2)
    expect(page.locator("#agreements > li")).to_have_count(2)
    expect(page.locator("#disagreements > li")).to_have_count(1)
    expect(page.locator("#disagreements li li")).to_have_text(
        [
            "John Kerry: Russia fuels unrest in Ukraine.",
            "Sergei Lavrov: Russia's role is defensible.",
        ]
    )
    expect(page.locator("#meta")).to_contain_text("llamacpp:fake-model")
    expect(page.locator("#meta")).to_contain_text("summarise/v2")
    made_up = page.locator("#agreements .item", has_text="A joint ground force")
    expect(made_up.locator(".ungrounded-badge")).to_have_text("not found in the article")

    # Chosen by keyboard: the Ukraine disagreement's evidence is the article's own sentence.
    ukraine = page.locator("#disagreements .item", has_text="Ukraine")
    ukraine.focus()
    page.keyboard.press("Enter")
    expect(ukraine).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#text mark.evidence")).to_have_text([UKRAINE])
    expect(page.locator("#text mark.evidence")).to_be_in_viewport()

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000

    page.click("#copy")
    expect(page.locator("#copied")).not_to_be_empty()
    assert watched.errors == []
    assert watched.foreign_requests(served.base) == []


@pytest.mark.parametrize(
    ("article", "status", "title", "detail"),
    [
        ("   \n  ", "422", "Invalid article", "empty"),
        ("word " * 20_001, "413", "Article too large", "100,000"),
    ],
    ids=["422-empty", "413-too-long"],
)
def test_a_refused_article_shows_the_problem(
    served: ServeProcess,
    browser: BrowserContext,
    article: str,
    status: str,
    title: str,
    detail: str,
) -> None:
    watched = watched_page(browser)
    page = watched.page
    page.goto(served.base + "/")
    expect(page.locator("#model option")).to_have_count(1)
    page.fill("#article", article)
    page.click("#submit")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-title")).to_have_text(re.compile(f"^{status} {title}", re.I))
    expect(page.locator("#error-detail")).to_contain_text(detail)
    expect(page.locator("#result")).to_be_hidden()
    # The browser logs the failed fetch's status itself; nothing else may go wrong.
    assert [e for e in watched.errors if f"status of {status}" not in e] == []
    assert watched.foreign_requests(served.base) == []


def test_the_page_fits_a_400_pixel_screen(served: ServeProcess, browser: BrowserContext) -> None:
    page = browser.new_page()
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(served.base + "/")
    page.fill("#article", SAMPLE)
    page.click("#submit")
    expect(page.locator("#result")).to_be_visible(timeout=20_000)
    page.locator("#disagreements .item").first.click()
    # Nothing wider than the screen: no sideways scrolling to read the article or the lists.
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    text_box = page.locator("#text").bounding_box()
    assert text_box is not None
    assert text_box["width"] <= 400


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
def test_the_api_docs_work_offline(
    served: ServeProcess, browser: BrowserContext, path: str
) -> None:
    watched = watched_page(browser)
    page = watched.page
    response = page.goto(served.base + path)
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Concord")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert watched.errors == []
    assert watched.foreign_requests(served.base) == []


def test_sentences_withheld_from_the_model_are_marked(
    served: ServeProcess, browser: BrowserContext
) -> None:
    """The v3 pipeline adds ``meta.withheld`` (sentences kept from the model as injected
    instructions); this server does not emit it yet, so the real response is amended in flight."""
    withheld = '"There may be as many as 500 or more from Russia," Kerry said.'
    start = SAMPLE.index(withheld)

    def add_withheld(route: Route) -> None:
        response = route.fetch()
        blocks = response.text().split("\r\n\r\n")
        for index, block in enumerate(blocks):
            if block.startswith("event: summary"):
                name, data = block.split("\r\n", 1)
                summary = json.loads(data.removeprefix("data: "))
                summary["meta"]["withheld"] = [
                    {"start": start, "end": start + len(withheld), "text": withheld}
                ]
                blocks[index] = f"{name}\r\ndata: {json.dumps(summary)}"
        route.fulfill(response=response, body="\r\n\r\n".join(blocks))

    watched = watched_page(browser)
    page = watched.page
    page.route("**/v1/summaries", add_withheld)
    page.goto(served.base + "/")
    expect(page.locator("#model option")).to_have_count(1)
    page.fill("#article", SAMPLE + " ")  # not the cached article: a fresh run
    page.click("#submit")
    expect(page.locator("#result")).to_be_visible(timeout=20_000)
    expect(page.locator("#text mark.withheld")).to_have_text([withheld])
    page.locator("#participants .item").first.click()  # still marked beside the evidence
    expect(page.locator("#text mark.withheld")).to_have_text([withheld])
    expect(page.locator("#text mark.evidence")).to_have_count(1)
    assert watched.errors == []


def test_with_keys_on_the_page_asks_for_one_and_keeps_it_in_memory(
    tmp_path: Path, browser: BrowserContext
) -> None:
    key = "reader-" + "page-key"  # a fake key, spelt in pieces like the other test credentials
    with FakeOpenAIServer() as fake:
        fake.default = CompletionReply.json(sample_summary().model_dump())
        env = fake_env(fake) | QUOTE_PROMPT | {"CONCORD_API__API_KEYS": json.dumps([key])}
        with serve_process(tmp_path, env) as server:
            watched = watched_page(browser)
            page = watched.page
            page.goto(server.base + "/")
            expect(page.locator("#error-title")).to_have_text(re.compile("^401"))
            page.fill("#key", key)
            page.locator("#key").press("Tab")  # a change event: the options load with the key
            expect(page.locator("#model option")).to_have_count(1)
            expect(page.locator("#error")).to_be_hidden()
            page.fill("#article", SAMPLE)
            page.click("#submit")
            expect(page.locator("#result")).to_be_visible(timeout=20_000)
            stored = page.evaluate(
                "[JSON.stringify(localStorage), JSON.stringify(sessionStorage), document.cookie]"
            )
            assert all(key not in value for value in stored)
            assert [e for e in watched.errors if "status of 401" not in e] == []


def test_a_busy_server_says_when_to_try_again(tmp_path: Path, browser: BrowserContext) -> None:
    with FakeOpenAIServer() as fake:
        fake.default = CompletionReply.json(sample_summary().model_dump(), delay=4)
        env = (
            fake_env(fake)
            | QUOTE_PROMPT
            | {"CONCORD_API__MAX_IN_FLIGHT": "1", "CONCORD_API__MAX_QUEUE": "0"}
        )
        with serve_process(tmp_path, env) as server:
            url = server.base + "/v1/summaries"
            busy = threading.Thread(
                target=httpx.post, args=(url,), kwargs={"json": {"text": SAMPLE}}
            )
            busy.start()  # holds the only model slot for four seconds
            while not fake.requests:
                time.sleep(0.05)
            watched = watched_page(browser)
            page = watched.page
            page.goto(server.base + "/")
            page.fill("#article", SAMPLE + " Another reader.")
            page.click("#submit")
            expect(page.locator("#error-title")).to_have_text(re.compile("^429 "))
            expect(page.locator("#error-detail")).to_contain_text(re.compile(r"Try again in \d+ s"))
            busy.join()
            assert watched.errors == []


def test_a_chosen_text_file_becomes_the_article(
    served: ServeProcess, browser: BrowserContext
) -> None:
    watched = watched_page(browser)
    page = watched.page
    page.goto(served.base + "/")
    page.set_input_files("#file", str(REPO / "evals/cases/kerry-lavrov/article.txt"))
    expect(page.locator("#article")).to_have_value(SAMPLE)
    assert watched.errors == []
