"""Provider choice by config: model ids, keys, base URLs."""

from pathlib import Path

import pytest
from pydantic import SecretStr

from concord.errors import ConfigurationError
from concord.providers.connection import (
    _local_model_server,
    api_key_for,
    base_url_for,
    settings_for,
)
from concord.providers.embedded.catalog import DEFAULT_EMBEDDED
from concord.providers.profiles import PROFILES, parse_model_id
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
        api_key_for(PROFILES["openai"], Settings())
    monkeypatch.setenv("OPENAI_API_KEY", "")  # set but empty counts as missing
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        api_key_for(PROFILES["openai"], Settings())


def test_keys_come_from_the_environment_and_the_override_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "or-key-123")
    assert api_key_for(PROFILES["openrouter"], Settings()) == "or-key-123"
    settings = Settings(api_key=SecretStr("override"))
    assert api_key_for(PROFILES["openrouter"], settings) == "override"
    assert api_key_for(PROFILES["ollama"], Settings()) == "not-needed"


def test_azure_needs_an_endpoint_and_gets_the_v1_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    with pytest.raises(ConfigurationError, match="AZURE_OPENAI_ENDPOINT"):
        base_url_for(PROFILES["azure"], Settings())
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/")
    assert base_url_for(PROFILES["azure"], Settings()) == "https://res.openai.azure.com/openai/v1/"


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
    assert PROFILES["local"].default_model == DEFAULT_EMBEDDED.name


def test_the_embedded_server_takes_its_log_level_from_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At DEBUG llama.cpp's own log goes to stderr, else to a file; the environment is not read
    behind the settings' back (a flag or concord.toml wins over it like everywhere else)."""
    monkeypatch.setenv("CONCORD_LOG_LEVEL", "WARNING")
    debug = _local_model_server(Settings(log_level="DEBUG"), DEFAULT_EMBEDDED)
    assert debug._log_to_file is False
    monkeypatch.setenv("CONCORD_LOG_LEVEL", "DEBUG")
    quiet = _local_model_server(Settings(log_level="INFO"), DEFAULT_EMBEDDED)
    assert quiet._log_to_file is True


def test_the_configured_key_and_url_never_reach_another_provider() -> None:
    settings = Settings(
        model="vllm:m", base_url="http://gpu:8000/v1", api_key=SecretStr(sk("concord-key"))
    )
    assert settings_for(settings, "vllm") is settings
    other = settings_for(settings, "openai")
    assert (other.base_url, other.api_key) == (None, None)
    assert base_url_for(PROFILES["openai"], other) == "https://api.openai.com/v1"
