"""``concord providers``, run as a user would: which profile is usable, and no secret shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from concord.cli import EXIT_CONFIG, EXIT_PROVIDER
from tests.fakes.openai_server import FakeOpenAIServer, closed_port_url

SECRET = "sk-test-SECRET123"


def _providers(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Nothing from this machine's environment may count as a configured key or URL.
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith("CONCORD_") and "API_KEY" not in k
    }
    inherited.pop("AZURE_OPENAI_ENDPOINT", None)
    return subprocess.run(
        [sys.executable, "-m", "concord.cli", "providers", "--timeout", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=inherited | {"CONCORD_CONFIG": str(tmp_path / "absent.toml")} | env,
        timeout=60,
        check=False,
    )


def _row(done: subprocess.CompletedProcess[str], profile: str) -> list[str]:
    """The cells of ``profile``'s row, ``*`` first when it is the configured one."""
    for line in done.stdout.splitlines():
        cells = line.split("  ")
        cells = [c.strip() for c in cells if c.strip()]
        if profile in cells[:2]:
            return cells
    raise AssertionError(f"no row for {profile} in:\n{done.stdout}")


def test_a_configured_profile_that_answers_is_usable(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    env = {
        "CONCORD_MODEL": "openai:gpt-4o-mini",
        "CONCORD_BASE_URL": fake_openai.base_url,
        "OPENAI_API_KEY": SECRET,
    }
    done = _providers(tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _row(done, "openai") == [
        "*", "openai", "gpt-4o-mini", "OPENAI_API_KEY", "set", fake_openai.base_url, "answers"
    ]  # fmt: skip
    assert "configured: openai:gpt-4o-mini (usable)" in done.stdout
    assert "SECRET123" not in done.stdout + done.stderr
    # Every profile is listed, the embedded one included; none but openai is marked.
    for profile in ("azure", "openrouter", "ollama", "vllm", "llamacpp", "compatible", "local"):
        assert _row(done, profile)[0] == profile


def test_a_missing_key_fails_naming_its_variable_and_never_shows_a_set_one(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    env = {
        "CONCORD_MODEL": "openai:gpt-4o-mini",
        "CONCORD_BASE_URL": fake_openai.base_url,
        "OPENROUTER_API_KEY": SECRET,  # another profile's key: set, so shown as set, not shown
    }
    done = _providers(tmp_path, env)
    assert done.returncode == EXIT_CONFIG, done.stdout + done.stderr
    assert _row(done, "openai")[3:5] == ["OPENAI_API_KEY", "missing"]
    assert _row(done, "openrouter")[2:4] == ["OPENROUTER_API_KEY", "set"]
    assert "OPENAI_API_KEY" in done.stderr
    assert "(not usable)" in done.stdout
    assert "SECRET123" not in done.stdout + done.stderr


def test_the_configured_key_and_url_apply_to_the_configured_profile_only(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    env = {
        "CONCORD_MODEL": "llamacpp:fake-model",
        "CONCORD_BASE_URL": fake_openai.base_url,
        "CONCORD_API_KEY": SECRET,
    }
    done = _providers(tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _row(done, "llamacpp")[4:] == ["set", fake_openai.base_url, "answers"]
    # Another profile is neither sent the key nor pointed at the URL set for llamacpp.
    assert _row(done, "openai")[3:5] == ["missing", "https://api.openai.com/v1"]
    assert _row(done, "compatible")[3] == "not set (optional)"
    assert "SECRET123" not in done.stdout + done.stderr


def test_a_url_that_does_not_answer_makes_the_configured_profile_unusable(
    tmp_path: Path,
) -> None:
    env = {"CONCORD_MODEL": "llamacpp:fake-model", "CONCORD_BASE_URL": closed_port_url()}
    done = _providers(tmp_path, env)
    assert done.returncode == EXIT_PROVIDER, done.stdout + done.stderr
    assert _row(done, "llamacpp")[-1] == "could not be reached"
    assert "could not be reached" in done.stderr
