"""``concord summarise`` shows its steps to a person at a terminal, and only there: piped or
``--quiet``, it prints the JSON on standard output and nothing else anywhere."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from concord.prompts import load_prompt
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.reader import LONG_ARTICLE as CHUNKED_ARTICLE
from tests.fakes.reader import FakeReader
from tests.serving import fake_env
from tests.support.api import ARTICLE, DEFAULT_PROMPT, valid_summary


def _environment(fake: FakeOpenAIServer) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    return clean | fake_env(fake) | {"TERM": "xterm", "COLUMNS": "100"}


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``concord`` with standard output and error on a pseudo-terminal; all it showed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "concord.cli", *args],
        stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, env=env,
    )  # fmt: skip
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    return process.wait(timeout=60), shown.decode(errors="replace")


def test_a_terminal_sees_each_step_and_its_time(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_openai.enqueue(*valid_summary(delay=0.3))
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    code, shown = _on_a_terminal(["summarise", str(article)], _environment(fake_openai))
    assert code == 0, shown
    for step in ("sentences", *load_prompt(DEFAULT_PROMPT).passes, "grounding"):
        assert f"{step} done at" in shown
    assert '"participants"' in shown


def test_quiet_on_a_terminal_shows_only_the_json(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_openai.enqueue(*valid_summary())
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    args = ["summarise", str(article), "--quiet", "--compact"]
    code, shown = _on_a_terminal(args, _environment(fake_openai))
    assert code == 0, shown
    assert "done at" not in shown
    assert json.loads(shown)["meta"]["model"] == "fake-model"


def test_piped_output_is_the_json_alone(fake_openai: FakeOpenAIServer, tmp_path: Path) -> None:
    fake_openai.enqueue(*valid_summary())
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    done = subprocess.run(
        [sys.executable, "-m", "concord.cli", "summarise", str(article)],
        capture_output=True, text=True, env=_environment(fake_openai), timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout)["summary"]["participants"]


def test_a_long_article_shows_each_chunk_as_it_goes(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_openai.default = FakeReader()
    article = tmp_path / "long.txt"
    article.write_text(CHUNKED_ARTICLE)
    env = _environment(fake_openai) | {
        "CONCORD_PROMPT_VERSION": "summarise/v3",
        "CONCORD_CHUNK_CHARS": "420",
        "CONCORD_CHUNK_CONCURRENCY": "1",
    }
    code, shown = _on_a_terminal(["summarise", str(article)], env)
    assert code == 0, shown
    assert "participants · chunk 1 of" in shown
    count = int(shown.split("participants · chunk 1 of ")[1].split()[0])
    assert count >= 3
    for k in range(1, count + 1):
        assert f"participants · chunk {k} of {count} done at" in shown
