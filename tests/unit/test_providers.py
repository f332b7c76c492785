"""Provider choice by config: model ids, keys, base URLs."""

from pathlib import Path

import pytest
from pydantic import SecretStr

from concord.errors import ConfigurationError
from concord.local_model import MODEL_ALIAS
from concord.providers import PROFILES, _api_key, _base_url, parse_model_id
from concord.settings import Settings
from tests.fakes.credentials import sk


def test_model_id_splits_on_the_first_colon_only() -> None:
    ref = parse_model_id("ollama:llama3.1:8b")
    assert (ref.provider, ref.model) == ("ollama", "llama3.1:8b")
    assert parse_model_id("local").model is None
    assert parse_model_id("gpt-4o", provider="openai").provider == "openai"


def test_unknown_or_contradictory_provider_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="must start with a provider"):
        parse_model_id("gpt-4o")
    with pytest.raises(ConfigurationError, match="contradicts"):
        parse_model_id("openai:gpt-4o", provider="ollama")


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("CONCORD_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        _api_key(PROFILES["openai"], Settings())
    monkeypatch.setenv("OPENAI_API_KEY", "")  # set but empty counts as missing
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        _api_key(PROFILES["openai"], Settings())


def test_keys_come_from_the_environment_and_the_override_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "or-key-123")
    assert _api_key(PROFILES["openrouter"], Settings()) == "or-key-123"
    settings = Settings(api_key=SecretStr("override"))
    assert _api_key(PROFILES["openrouter"], settings) == "override"
    assert _api_key(PROFILES["ollama"], Settings()) == "not-needed"


def test_azure_needs_an_endpoint_and_gets_the_v1_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    with pytest.raises(ConfigurationError, match="AZURE_OPENAI_ENDPOINT"):
        _base_url(PROFILES["azure"], Settings())
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/")
    assert _base_url(PROFILES["azure"], Settings()) == "https://res.openai.azure.com/openai/v1/"


def test_env_beats_the_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "concord.toml"
    config.write_text('model = "ollama:qwen2.5:7b"\nmax_attempts = 5\n')
    monkeypatch.setenv("CONCORD_CONFIG", str(config))
    monkeypatch.setenv("CONCORD_MAX_ATTEMPTS", "2")
    settings = Settings()
    assert settings.model == "ollama:qwen2.5:7b"
    assert settings.max_attempts == 2


def test_secrets_never_show_in_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", sk("very-secret-value-123"))
    assert sk("very-secret") not in repr(Settings())


def test_local_profile_names_the_model_the_embedded_server_answers_to() -> None:
    assert PROFILES["local"].default_model == MODEL_ALIAS
