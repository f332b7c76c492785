"""``import concord``: the Python API against the fake provider, and the README's snippet run as
written."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import concord
from concord.errors import ProviderUnavailable
from tests.fakes.openai_server import FakeOpenAIServer, HttpError
from tests.support.api import ARTICLE, CALLS, valid_summary

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def fake_env(
    fake_openai: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concord configured, as a user would, through CONCORD_* variables aimed at the fake."""
    for name in [name for name in os.environ if name.startswith("CONCORD_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CONCORD_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("CONCORD_MODEL", "llamacpp:fake-model")
    monkeypatch.setenv("CONCORD_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("CONCORD_MAX_BACKOFF_S", "0.01")


@pytest.mark.usefixtures("fake_env")
def test_summarise_returns_a_grounded_summary(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.enqueue(*valid_summary())

    summary = concord.summarise(ARTICLE, title="Kerry and Lavrov in Paris")

    assert isinstance(summary, concord.Summary)
    assert [p.name for p in summary.participants] == ["John Kerry", "Sergei Lavrov"]
    evidence = summary.disagreements[0].evidence[0]
    assert isinstance(evidence, concord.Evidence)
    assert evidence.grounded
    assert ARTICLE[evidence.start : evidence.end] == evidence.quote
    user_message = fake_openai.requests[0].body["messages"][-1]["content"]
    assert "Title: Kerry and Lavrov in Paris" in user_message


@pytest.mark.usefixtures("fake_env")
def test_the_model_argument_beats_the_configured_one(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.enqueue(*valid_summary())
    concord.summarise(ARTICLE, model="llamacpp:other-model")
    assert fake_openai.requests[0].body["model"] == "other-model"


@pytest.mark.usefixtures("fake_env")
async def test_asummarise_and_summarise_inside_a_running_loop(
    fake_openai: FakeOpenAIServer,
) -> None:
    fake_openai.enqueue(*valid_summary(), *valid_summary())

    awaited = await concord.asummarise(ARTICLE)
    blocking = concord.summarise(ARTICLE)  # as in a notebook cell: a loop is already running

    assert awaited == blocking
    assert len(fake_openai.requests) == 2 * CALLS


@pytest.mark.usefixtures("fake_env")
def test_explicit_settings_replace_the_environment(
    fake_openai: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCORD_BASE_URL", "http://127.0.0.1:9/nowhere")
    fake_openai.enqueue(*valid_summary())
    settings = concord.Settings(base_url=fake_openai.base_url, grounding_policy="strict")
    summary = concord.summarise(ARTICLE, settings=settings)
    assert len(summary.agreements) == 1


@pytest.mark.usefixtures("fake_env")
def test_errors_are_concord_errors_with_clear_messages(
    fake_openai: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(concord.InvalidArticle, match="empty"):
        concord.summarise("  \n")
    with pytest.raises(concord.InvalidArticle, match="must be a str, not bytes"):
        concord.summarise(ARTICLE.encode())  # type: ignore[arg-type]
    with pytest.raises(concord.ArticleTooLarge, match="the limit is"):
        concord.summarise("word " * 20_001)
    with pytest.raises(concord.ConfigurationError, match="must start with a provider"):
        concord.summarise(ARTICLE, model="no-such-provider")
    fake_openai.enqueue(*[HttpError(503, "down")] * 3)
    with pytest.raises(ProviderUnavailable) as caught:
        concord.summarise(ARTICLE)
    assert isinstance(caught.value, concord.ProviderError)
    assert caught.value.calls == 3
    monkeypatch.setenv("CONCORD_TIMEOUT_S", "soon")
    with pytest.raises(concord.ConfigurationError, match="timeout_s") as bad_setting:
        concord.summarise(ARTICLE)
    assert "soon" not in bad_setting.value.detail  # a bad value may be a key: never echoed


def test_the_public_names_resolve_and_the_version_is_the_installed_one() -> None:
    assert concord.__version__ == importlib.metadata.version("concord")
    for name in concord.__all__:
        assert getattr(concord, name) is not None, name
    assert issubclass(concord.InvalidArticle, concord.ConcordError)
    assert set(concord.__all__) <= set(dir(concord))
    with pytest.raises(AttributeError, match="no attribute 'summary'"):
        _ = concord.summary


def test_import_concord_does_not_load_the_pipeline() -> None:
    """The embedded model's child process imports the package too: it must stay light."""
    code = "import sys, concord; print(sorted(m for m in sys.modules if m.startswith('concord')))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "['concord']"


def readme_python_snippet() -> str:
    section = README.read_text(encoding="utf-8").split("## Use from Python", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found, "README's 'Use from Python' section has no python block"
    return found.group(1)


def test_the_readme_snippet_runs_as_written(fake_openai: FakeOpenAIServer, tmp_path: Path) -> None:
    fake_openai.enqueue(*valid_summary())
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    environment |= {
        "CONCORD_CONFIG": str(tmp_path / "absent.toml"),
        "CONCORD_MODEL": "llamacpp:fake-model",
        "CONCORD_BASE_URL": fake_openai.base_url,
    }

    done = subprocess.run(
        [sys.executable, "-c", readme_python_snippet()],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Ukraine: {ARTICLE.splitlines()[0]}\n"  # a cited sentence, whole
