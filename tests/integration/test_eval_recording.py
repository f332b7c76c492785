"""Record through a local fake server, then replay offline: secrets scrubbed, retries replayed,
unmatched requests failing loudly, stale cassettes refused with the command that re-records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from openai import AsyncOpenAI

from concord.cli import main
from concord.evaluation.case_runner import Target, record_case, replay_case
from concord.evaluation.cases import load_cases
from concord.evaluation.cassettes import CassetteLibrary, StaleCassette, read_metadata
from concord.evaluation.freshness import check_fresh
from concord.pipeline import PipelineOptions
from concord.prompts import load_prompt
from concord.providers.connection import ConnectedModel
from concord.providers.profiles import PROFILES
from concord.settings import Settings
from tests.fakes.credentials import ORGANIZATION_HEADER, PROJECT_HEADER, sk
from tests.fakes.openai_server import CompletionReply, FakeOpenAIServer, HttpError
from tests.shipped_evals import CASES_DIR, CASSETTES_DIR
from tests.support.api import CALLS, DEFAULT_PROMPT, valid_summary

FAKE_KEY = sk("test-abcdefghijklmnopqrstuvwxyz0123")
ORG = "org-abcdefghijklmnop1234"
# What the cassettes here are recorded with, and the shipped ones were: the default prompt.
PROMPT = SHIPPED = load_prompt(DEFAULT_PROMPT)
CASE = next(case for case in load_cases(CASES_DIR) if case.id == "kerry-lavrov")


def fake_model(server: FakeOpenAIServer) -> ConnectedModel:
    client = AsyncOpenAI(
        base_url=server.base_url,
        api_key=FAKE_KEY,
        organization=ORG,
        project="proj-abcdefgh1234",
        default_headers={"api-key": FAKE_KEY, "X-Api-Key": FAKE_KEY},
        max_retries=0,
    )
    return ConnectedModel(client, PROFILES["llamacpp"], "fake-model")


async def record(server: FakeOpenAIServer, library: CassetteLibrary) -> None:
    settings = Settings(max_backoff_s=0.01)
    model = fake_model(server)
    try:
        await record_case(
            CASE,
            model=model,
            prompt=PROMPT,
            options=PipelineOptions.from_settings(settings),
            settings=settings,
            library=library,
        )
    finally:
        await model.client.close()


def cassette_file(library: CassetteLibrary) -> Path:
    return library.root / "llamacpp__fake-model" / "kerry-lavrov.yaml"


async def test_recording_leaves_no_secret_in_the_cassette(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    library = CassetteLibrary(tmp_path)
    # A transient fault whose headers carry secrets, then an answer: both are recorded.
    secrets = {"Set-Cookie": f"session={FAKE_KEY}", "OpenAI-Organization": ORG}
    fault = HttpError(500, headers=secrets)
    fake_openai.enqueue(fault, *valid_summary())
    await record(fake_openai, library)

    sent = fake_openai.requests[0].headers
    assert sent["authorization"] == f"Bearer {FAKE_KEY}"  # the secrets really were on the wire
    assert sent[ORGANIZATION_HEADER] == ORG
    text = cassette_file(library).read_text(encoding="utf-8")
    assert "sk-test" not in text
    assert ORG not in text
    assert "proj-abcdefgh1234" not in text
    interactions = yaml.safe_load(text)["interactions"]
    assert len(interactions) == 1 + CALLS
    for interaction in interactions:
        names = {name.lower() for name in interaction["request"]["headers"]}
        names |= {name.lower() for name in interaction["response"]["headers"]}
        assert not names & {
            "authorization",
            "api-key",
            "x-api-key",
            "cookie",
            "set-cookie",
            ORGANIZATION_HEADER,
            PROJECT_HEADER,
        }


async def test_the_concord_block_says_what_made_the_cassette(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    library = CassetteLibrary(tmp_path)
    fake_openai.enqueue(*valid_summary())
    await record(fake_openai, library)
    text = cassette_file(library).read_text(encoding="utf-8")
    assert text.startswith("concord:\n")
    recording = yaml.safe_load(text)["concord"]["recording"]
    assert recording["provider"] == "llamacpp"
    assert recording["model"] == "fake-model"
    assert recording["prompt_version"] == PROMPT.id
    assert recording["prompt_hash"] == PROMPT.content_hash
    assert {"schema_hash", "model_id_hash", "recorded_at", "concord_version"} <= set(recording)


async def test_retries_and_validation_failures_replay_offline(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    library = CassetteLibrary(tmp_path)
    fake_openai.enqueue(HttpError(503), CompletionReply("this is not JSON"), *valid_summary())
    await record(fake_openai, library)
    calls_while_recording = len(fake_openai.requests)

    run = await replay_case(CASE, Target("llamacpp", "fake-model"), PROMPT, library)

    assert len(fake_openai.requests) == calls_while_recording  # replay never touched the server
    assert run.error is None
    assert run.result is not None
    assert run.result.meta.calls == 2 + CALLS  # the 503, the invalid answer, the good ones
    assert [p.name for p in run.result.summary.participants] == ["John Kerry", "Sergei Lavrov"]


async def test_output_invalid_after_retries_is_a_failed_case(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    library = CassetteLibrary(tmp_path)
    fake_openai.enqueue(*[CompletionReply("nope")] * 3)
    await record(fake_openai, library)
    run = await replay_case(CASE, Target("llamacpp", "fake-model"), PROMPT, library)
    assert run.result is None
    assert run.error is not None
    assert run.error.startswith("Model output invalid after 3 call(s)")
    assert not run.score.passed


async def test_an_unmatched_request_fails_the_case_loudly(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    library = CassetteLibrary(tmp_path)
    fake_openai.enqueue(*valid_summary())
    await record(fake_openai, library)
    path = cassette_file(library)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    body = json.loads(data["interactions"][0]["request"]["body"])
    body["temperature"] = 0.7  # as if the code now sent something else
    data["interactions"][0]["request"]["body"] = json.dumps(body)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    run = await replay_case(CASE, Target("llamacpp", "fake-model"), PROMPT, library)

    assert run.error is not None
    assert "replay mismatch" in run.error
    assert "temperature" in run.error
    assert len(fake_openai.requests) == CALLS  # nothing reached a server while replaying


def shipped_cassette(tmp_path: Path) -> tuple[CassetteLibrary, Target, Path]:
    sources = sorted(CASSETTES_DIR.glob("*/kerry-lavrov.yaml"))
    assert sources, "the shipped kerry-lavrov cassette is missing: run 'concord eval --record'"
    source = sources[0]
    copy = tmp_path / source.parent.name / source.name
    copy.parent.mkdir(parents=True)
    shutil.copy(source, copy)
    recording = yaml.safe_load(copy.read_text(encoding="utf-8"))["concord"]["recording"]
    return CassetteLibrary(tmp_path), Target(recording["provider"], recording["model"]), copy


def edit_recording(path: Path, **changes: str) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["concord"]["recording"].update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"prompt_hash": "0000000000000000"}, f"prompt {SHIPPED.id} content hash 0000000000000000"),
        ({"schema_hash": "1111111111111111"}, "output schema hash 1111111111111111"),
        ({"model_id_hash": "2222222222222222"}, "model id"),
    ],
)
def test_a_stale_cassette_names_the_change_and_the_command(
    tmp_path: Path, changes: dict[str, str], named: str
) -> None:
    library, target, path = shipped_cassette(tmp_path)
    edit_recording(path, **changes)
    with pytest.raises(StaleCassette) as caught:
        check_fresh([target], [CASE], SHIPPED, library)
    message = caught.value.detail
    assert named in message
    assert f"concord eval --record --model {target.id} --only kerry-lavrov" in message


def test_the_cli_refuses_to_replay_a_stale_cassette(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library, target, path = shipped_cassette(tmp_path)
    edit_recording(path, prompt_hash="0000000000000000")
    code = main(
        [
            "eval",
            "--cases",
            str(CASES_DIR),
            "--only",
            "kerry-lavrov",
            "--cassettes",
            str(library.root),
            "--reports-dir",
            str(tmp_path / "reports"),
        ]
    )
    assert code != 0
    err = capsys.readouterr().err
    assert "stale eval cassette" in err
    assert f"re-record with: concord eval --record --model {target.id} --only kerry-lavrov" in err


SHIPPED_SUITES = [CASSETTES_DIR, *sorted((CASSETTES_DIR.parent / "history").iterdir())]


@pytest.mark.parametrize("root", SHIPPED_SUITES, ids=lambda p: p.name)
def test_every_shipped_cassette_says_what_made_it(root: Path) -> None:
    """Provider, model and prompt version in every committed cassette, and the prompt hash is
    the hash of that version's template as shipped: a cassette cannot claim a prompt it was
    not recorded with."""
    cassettes = sorted(p for p in root.rglob("*.yaml") if p.parent != root)
    assert cassettes, f"no cassettes under {root}"
    for path in cassettes:
        recording = read_metadata(path)["recording"]
        provider, model = path.parent.name.split("__", 1)
        assert (recording["provider"], recording["model"]) == (provider, model), path
        prompt = load_prompt(recording["prompt_version"])
        assert recording["prompt_hash"] == prompt.content_hash, path
        assert recording["recorded_at"], path
