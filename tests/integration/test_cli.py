"""What ``concord summarise`` prints and how it exits, run as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.openai_server import FakeOpenAIServer, HttpError
from tests.support.api import ARTICLE, valid_summary


def _concord(
    *args: str, env: dict[str, str] | None = None, stdin: bytes = b""
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    environment |= env or {}
    return subprocess.run(
        [sys.executable, "-m", "concord.cli", *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def _env(fake_openai: FakeOpenAIServer) -> dict[str, str]:
    return {
        "CONCORD_MODEL": "llamacpp:fake-model",
        "CONCORD_BASE_URL": fake_openai.base_url,
        "CONCORD_MAX_BACKOFF_S": "0.01",
    }


def test_summarise_prints_the_summary_json(fake_openai: FakeOpenAIServer, tmp_path: Path) -> None:
    fake_openai.enqueue(*valid_summary())
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    done = _concord("summarise", str(article), env=_env(fake_openai))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {p["name"] for p in result["summary"]["participants"]} == {"John Kerry", "Sergei Lavrov"}
    assert result["meta"]["model"] == "fake-model"


def test_summarise_reads_stdin_and_model_flag_overrides_config(
    fake_openai: FakeOpenAIServer,
) -> None:
    fake_openai.enqueue(*valid_summary())
    env = _env(fake_openai) | {"CONCORD_MODEL": "openai:gpt-4o"}  # would need a key; the flag wins
    done = _concord(
        "summarise", "-", "--model", "llamacpp:other", "--compact", env=env, stdin=ARTICLE.encode()
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["meta"]["model"] == "other"
    assert fake_openai.requests[0].body["model"] == "other"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"\x7fELF\x02\x01\x00\x00", "binary"),
        ("caf\xe9".encode("latin-1"), "not valid UTF-8"),
    ],
)
def test_bad_article_exits_2_with_one_line(tmp_path: Path, content: bytes, reason: str) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(content)
    done = _concord("summarise", str(article))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert reason in done.stderr


def test_missing_file_exits_2_naming_it() -> None:
    done = _concord("summarise", "/no/such/article.txt")
    assert done.returncode == 2
    assert done.stderr.strip() == "concord: invalid article: no such file: /no/such/article.txt"


def test_missing_key_fails_fast_naming_the_variable(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE)
    env = {"OPENAI_API_KEY": ""}
    done = _concord("summarise", str(article), "--model", "openai:gpt-4o-mini", env=env)
    assert done.returncode == 4
    assert "OPENAI_API_KEY" in done.stderr
    assert "Traceback" not in done.stderr


def test_provider_failure_exits_3_without_a_traceback(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_openai.enqueue(HttpError(500), HttpError(500), HttpError(500))
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE)
    done = _concord("summarise", str(article), env=_env(fake_openai))
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().endswith("the model provider failed (500): fake HTTP 500")


@pytest.mark.parametrize(
    "command",
    [
        ["summarise", "-"],
        ["serve", "--port", "0"],
        ["worker"],
        ["batch", ".", "-o", os.devnull],
        ["providers"],
    ],
    ids=lambda c: c[0],
)
def test_a_bad_setting_is_one_line_naming_the_field_for_every_command(command: list[str]) -> None:
    done = _concord(*command, env={"CONCORD_MAX_ATTEMPTS": "many"}, stdin=ARTICLE.encode())
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith("concord: ")
    assert "max_attempts" in done.stderr
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
