"""Every setting Concord reads, in one pydantic-settings class.

Precedence, highest first: constructor arguments (CLI flags), environment variables
(``CONCORD_*``, plus the providers' usual key variables such as ``OPENAI_API_KEY``), then a
``concord.toml`` file in the working directory (or at ``CONCORD_CONFIG``). Secrets are
``SecretStr`` so they never show up in a repr, a log line or an error body.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from concord.errors import ConfigurationError
from concord.schema import GroundingPolicy


def _key(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class ApiSettings(BaseModel):
    """The HTTP service's own limits and switches (``CONCORD_API__*``)."""

    api_keys: list[SecretStr] = Field(
        default_factory=list, description="Bearer tokens accepted; empty turns auth off."
    )
    max_body_bytes: int = Field(65_536, description="Largest request body accepted (413 above).")
    max_in_flight: int | None = Field(
        None,
        description="Model calls running at once (default: CONCORD_LOCAL_PARALLEL for the "
        "embedded model, else 4).",
    )
    max_queue: int = Field(64, description="Requests waiting for a slot; beyond this, 429.")
    request_timeout_s: float = Field(
        900.0, description="Per-request budget: queueing, every attempt and grounding."
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Time a client has to send a request's head; also how long an idle "
        "kept-alive connection waits for the next request.",
    )
    body_timeout_s: float = Field(
        30.0, gt=0, description="Time a client has to send the whole request body (408 above)."
    )
    cache_entries: int = Field(256, description="Cached summaries kept in memory (0 disables).")
    allowed_models: list[str] = Field(
        default_factory=list,
        description="Model ids ('provider:model') a request may pick besides the default "
        "(empty: none).",
    )
    allowed_prompt_versions: list[str] = Field(
        default_factory=list, description="Prompt versions a request may pick (empty: none)."
    )


class SharedSettings(BaseModel):
    """How replicas share state through Redis (``CONCORD_SHARED__*``); unused without
    ``CONCORD_REDIS_URL``."""

    cache_ttl_s: int = Field(86_400, description="How long a shared cached summary lives.")
    lock_ttl_s: float = Field(
        30.0, description="Expiry of the one-model-call lock; its holder renews it while alive."
    )
    retry_redis_s: float = Field(
        5.0, description="After Redis fails, serve from memory this long before trying it again."
    )


class JobSettings(BaseModel):
    """The job queue (``CONCORD_JOBS__*``): SAQ on the Redis at ``CONCORD_REDIS_URL``."""

    queue: str = Field("concord", description="Queue name; workers and clients must agree.")
    heartbeat_s: int = Field(
        15, description="A running job silent this long is taken to be dead and retried."
    )
    retries: int = Field(3, ge=1, description="Attempts a job gets (a dead worker uses one).")
    keep_s: int = Field(86_400, description="How long a finished job's result stays readable.")
    sweep_s: int = Field(10, description="How often workers look for jobs of dead workers.")
    concurrency: int = Field(4, ge=1, description="Jobs one worker runs at once.")


class Settings(BaseSettings):
    """Concord's configuration. See the README's configuration reference for every field."""

    model_config = SettingsConfigDict(
        env_prefix="CONCORD_",
        env_nested_delimiter="__",
        extra="forbid",
        populate_by_name=True,
        toml_file="concord.toml",
    )

    model: str = Field(
        "local",
        description="Model id 'provider:model', or just 'provider' for the profile's default.",
    )
    base_url: str | None = Field(None, description="Override the provider profile's base URL.")
    api_key: SecretStr | None = Field(None, description="Override the profile's key variable.")
    prompt_version: str = Field("summarise/v3", description="Prompt template 'name/version'.")
    prompts_dir: Path | None = Field(
        None, description="Where prompt files live (default: ./prompts or the installed copy)."
    )
    max_attempts: int = Field(3, ge=1, le=10, description="Tries when output breaks the schema.")
    transient_retries: int = Field(
        2, ge=0, le=10, description="Extra tries after a 429/5xx/connection fault, with backoff."
    )
    max_backoff_s: float = Field(20.0, description="Longest wait between transient retries.")
    # A CPU-bound embedded model on a busy two-core machine can take minutes; the openai client's
    # own default is the same ten minutes.
    timeout_s: float = Field(600.0, description="Timeout for one model call.")
    temperature: float = 0.0
    max_tokens: int = Field(1536, description="Cap on generated tokens per call.")
    grounding_policy: GroundingPolicy = Field(
        "flag", description="'flag' keeps ungrounded items marked; 'strict' drops them."
    )
    fuzzy_threshold: float = Field(90.0, ge=0, le=100, description="Fuzzy quote match cut-off.")
    max_article_chars: int = Field(
        8_000,
        description="Longest article accepted; fits the embedded model's 4,096-token context.",
    )
    local_threads: int | None = Field(None, description="CPU threads for the embedded model.")
    local_parallel: int = Field(
        1, ge=1, le=16, description="Requests the embedded model serves at once (its slots)."
    )
    cache_dir: Path | None = Field(
        None,
        description="Where the embedded model's GGUF is assembled "
        "(default: ${XDG_CACHE_HOME:-~/.cache}/concord/models).",
    )
    log_level: str = "WARNING"
    log_article_text: bool = Field(False, description="Log article text at DEBUG (never at INFO).")

    # Provider keys, read from the variables each provider documents.
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=_key("CONCORD_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key")
    )
    azure_api_key: SecretStr | None = Field(
        None, validation_alias=_key("AZURE_OPENAI_API_KEY", "azure_api_key")
    )
    azure_endpoint: str | None = Field(
        None, validation_alias=_key("AZURE_OPENAI_ENDPOINT", "azure_endpoint")
    )
    openrouter_api_key: SecretStr | None = Field(
        None, validation_alias=_key("OPENROUTER_API_KEY", "openrouter_api_key")
    )
    vllm_api_key: SecretStr | None = Field(
        None, validation_alias=_key("VLLM_API_KEY", "vllm_api_key")
    )

    api: ApiSettings = Field(default_factory=ApiSettings)
    redis_url: SecretStr | None = Field(
        None,
        description="Redis shared by replicas and workers (cache, locks, limit, jobs); "
        "unset: everything in this process's memory.",
    )
    shared: SharedSettings = Field(default_factory=SharedSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("CONCORD_CONFIG", "concord.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_path),
        )


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and ``concord.toml``, ``overrides`` on top; a bad value is a
    ``ConfigurationError`` naming the field (never the value: it may be a key)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid setting(s): {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once; a bad value is a ``ConfigurationError``."""
    return load_settings()
