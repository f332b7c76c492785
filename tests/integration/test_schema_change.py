"""A change to a pass schema of the prompt in use reaches the cache key and the freshness check.

Both are keyed on the hash of the schemas the prompt actually asks for: with the default prompt
(several passes) a pass schema that changes must miss the response cache and make a cassette
recorded before the change stale, naming the schema as the reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openai import AsyncOpenAI
from pydantic import Field

from concord.evaluation.case_runner import Target, record_case
from concord.evaluation.cases import load_cases
from concord.evaluation.cassettes import CassetteLibrary, StaleCassette, read_metadata
from concord.evaluation.freshness import LEGACY_STAMP, check_fresh
from concord.pipeline import PipelineOptions
from concord.prompts import load_prompt
from concord.providers.connection import ConnectedModel
from concord.providers.profiles import PROFILES
from concord.schema import PASS_OUTPUTS, ParticipantsPass
from concord.settings import Settings
from tests.fakes.answers import DEFAULT_ANSWERS
from tests.fakes.openai_server import FakeOpenAIServer, PassAnswer
from tests.shipped_evals import CASES_DIR, CASSETTES_DIR
from tests.support.api import ARTICLE, CALLS, DEFAULT_PROMPT, ClientFactory, valid_summary


class ParticipantsPassWithNotes(ParticipantsPass):
    """The participants pass as a later version of Concord might ask for it."""

    notes: str = Field(description="Anything else the model noticed about the parties.")


def change_a_pass_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PASS_OUTPUTS, "participants", ParticipantsPassWithNotes)


# The fake's answers once the participants pass asks for notes: what that later model would say.
WITH_NOTES = DEFAULT_ANSWERS | {
    "participants": DEFAULT_ANSWERS["participants"] | {"notes": "Both spoke in Paris."}
}


async def test_a_changed_pass_schema_misses_the_cache(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_openai.enqueue(*valid_summary(), *(PassAnswer(answers=WITH_NOTES) for _ in range(CALLS)))
    async with api_client() as client:
        first = await client.post("/v1/summaries", json={"text": ARTICLE})
        again = await client.post("/v1/summaries", json={"text": ARTICLE})
        change_a_pass_schema(monkeypatch)
        changed = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert [r.status_code for r in (first, again, changed)] == [200, 200, 200]
    assert [r.json()["meta"]["cached"] for r in (first, again, changed)] == [False, True, False]
    assert len(fake_openai.requests) == 2 * CALLS
    assert changed.json()["meta"]["schema_hash"] != first.json()["meta"]["schema_hash"]


async def test_a_changed_pass_schema_makes_a_cassette_stale(
    fake_openai: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompt = load_prompt(DEFAULT_PROMPT)
    case = next(case for case in load_cases(CASES_DIR) if case.id == "kerry-lavrov")
    library = CassetteLibrary(tmp_path)
    target = Target("llamacpp", "fake-model")
    fake_openai.enqueue(*valid_summary())
    settings = Settings(max_backoff_s=0.01)
    client = AsyncOpenAI(base_url=fake_openai.base_url, api_key="unused", max_retries=0)
    model = ConnectedModel(client, PROFILES["llamacpp"], "fake-model")
    try:
        await record_case(
            case,
            model=model,
            prompt=prompt,
            options=PipelineOptions.from_settings(settings),
            settings=settings,
            library=library,
        )
    finally:
        await client.close()
    check_fresh([target], [case], prompt, library)  # fresh as recorded

    change_a_pass_schema(monkeypatch)
    with pytest.raises(StaleCassette) as caught:
        check_fresh([target], [case], prompt, library)
    assert "fake-model / kerry-lavrov: output schema hash" in caught.value.detail


def test_a_cassette_with_the_old_stamp_is_stale_once_a_pass_schema_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cassettes recorded before the stamp followed the prompt carry the quote schema's hash
    (``freshness.LEGACY_STAMP``); they replay while the pass schemas are unchanged, no longer."""
    prompt = load_prompt(DEFAULT_PROMPT)
    case = next(case for case in load_cases(CASES_DIR) if case.id == "kerry-lavrov")
    source = next(iter(sorted(CASSETTES_DIR.glob("*/kerry-lavrov.yaml"))))
    recording = read_metadata(source)["recording"]
    if recording["schema_hash"] != LEGACY_STAMP:
        pytest.skip("the shipped cassettes were re-recorded with the prompt's own stamp")
    copy = tmp_path / source.parent.name / source.name
    copy.parent.mkdir()
    shutil.copy(source, copy)
    library, target = CassetteLibrary(tmp_path), Target(recording["provider"], recording["model"])
    check_fresh([target], [case], prompt, library)

    change_a_pass_schema(monkeypatch)
    with pytest.raises(StaleCassette) as caught:
        check_fresh([target], [case], prompt, library)
    assert f"output schema hash {LEGACY_STAMP} → {prompt.schema_hash}" in caught.value.detail
