"""Every setting Concord reads, in one pydantic-settings class.

Precedence, highest first: constructor arguments (CLI flags), environment variables
(``CONCORD_*``, plus the providers' usual key variables such as ``OPENAI_API_KEY``), then a
``concord.toml`` file in the working directory (or at ``CONCORD_CONFIG``). Secrets are
``SecretStr`` so they never show up in a repr, a log line or an error body.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
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

    model_config = ConfigDict(title="HTTP service")

    api_keys: list[SecretStr] = Field(
        default_factory=list,
        description='Accepted bearer tokens, a JSON list (`["key1","key2"]`); empty turns auth '
        "off.",
    )
    max_body_bytes: int | None = Field(
        None,
        description="Largest JSON or text/plain request body accepted, in bytes (413 above); "
        "unset: derived from `CONCORD_MAX_ARTICLE_CHARS`.",
    )
    max_in_flight: int | None = Field(
        None,
        description="Model calls running at once (unset: `CONCORD_LOCAL_PARALLEL` for the "
        "embedded model, else 4); with Redis, across every replica and worker.",
    )
    max_queue: int = Field(64, description="Requests waiting for a slot; beyond this, 429 at once.")
    request_timeout_s: float = Field(
        900.0,
        description="Whole-request budget: queueing, every attempt and grounding (504 above; "
        "429 at once when the expected wait exceeds it).",
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Seconds a client has to send a request's head; also how long an idle "
        "kept-alive connection waits for the next request.",
    )
    body_timeout_s: float = Field(
        30.0,
        gt=0,
        description="Seconds a client has to send the whole body (408 above, connection closed).",
    )
    cache_entries: int = Field(256, description="Cached summaries kept in memory (0 disables).")
    allowed_models: list[str] = Field(
        default_factory=list,
        description="Model ids (`provider:model`) a request may pick besides the default "
        "(a JSON list; empty: none).",
    )
    allowed_prompt_versions: list[str] = Field(
        default_factory=list,
        description="Prompt versions a request may pick besides the default (a JSON list; "
        "empty: none).",
    )


class FetchSettings(BaseModel):
    """What the fetcher of ``concord summarise URL`` and ``{"url": …}`` may fetch
    (``CONCORD_FETCH__*``); see ``concord.sources.fetch``."""

    allow_private: bool | None = Field(
        None,
        description="Fetch loopback and private-network addresses (RFC 1918, unique-local, "
        "shared). Unset: yes from the CLI (your own machine), no from the HTTP service.",
    )
    allow_networks: list[str] = Field(
        default_factory=list,
        examples=[["10.20.0.0/16"]],
        description="Addresses or CIDR networks fetched whatever their kind, e.g. "
        "'10.20.0.0/16' (also lifts the link-local and metadata refusal for them).",
    )
    max_bytes: int = Field(
        5_242_880, ge=1, description="Largest page read (413 above); also the text/html body cap."
    )
    timeout_s: float = Field(
        15.0, gt=0, description="Time for the whole fetch: DNS, connecting, redirects, the body."
    )
    max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed, each re-checked.")

    @field_validator("allow_networks")
    @classmethod
    def _networks(cls, networks: list[str]) -> list[str]:
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"not an address or CIDR network: {network!r}") from None
        return networks


class SharedSettings(BaseModel):
    """How replicas share state through Redis (``CONCORD_SHARED__*``); unused without
    ``CONCORD_REDIS_URL``."""

    model_config = ConfigDict(title="Shared state")

    cache_ttl_s: int = Field(86_400, description="Seconds a shared cached summary lives.")
    lock_ttl_s: float = Field(
        30.0,
        description="Expiry of the one-model-call lock and of a fleet-wide slot, in seconds; "
        "their holder renews them while alive.",
    )
    retry_redis_s: float = Field(
        5.0,
        description="After a Redis fault, seconds served from memory before Redis is tried again.",
    )


class JobSettings(BaseModel):
    """The job queue (``CONCORD_JOBS__*``): SAQ on the Redis at ``CONCORD_REDIS_URL``."""

    model_config = ConfigDict(title="Job queue")

    queue: str = Field("concord", description="Queue name; workers and clients must agree.")
    heartbeat_s: int = Field(
        15,
        description="Seconds a running job may go without a heartbeat before it is taken to be "
        "dead and retried elsewhere.",
    )
    retries: int = Field(3, ge=1, description="Attempts a job gets (a dead worker uses one).")
    keep_s: int = Field(86_400, description="Seconds a finished job's outcome stays readable.")
    sweep_s: int = Field(10, description="Seconds between two sweeps for the jobs of dead workers.")
    concurrency: int = Field(
        4, ge=1, description="Jobs one worker runs at once (`concord worker --concurrency`)."
    )


class Settings(BaseSettings):
    """Concord's configuration. docs/configuration.md lists every field, generated from the
    descriptions below (``make docs``)."""

    model_config = SettingsConfigDict(
        env_prefix="CONCORD_",
        env_nested_delimiter="__",
        extra="forbid",
        populate_by_name=True,
        toml_file="concord.toml",
    )

    model: str = Field(
        "local",
        description="Model id `provider:model`, or a profile name alone for its default model "
        "(`local:qwen-0.5b`: the second embedded model).",
    )
    base_url: str | None = Field(
        None, description="Override the provider profile's base URL (unset: the profile's)."
    )
    api_key: SecretStr | None = Field(
        None, description="Override the provider profile's key variable."
    )
    prompt_version: str = Field(
        "summarise/v3",
        description="Prompt template `name/version` under `prompts/` (v1, v2: single-pass "
        "quote prompts; v4: v3 without its verification call).",
    )
    prompts_dir: Path | None = Field(
        None,
        description="Where prompt files live (unset: `./prompts` if there, else the copy "
        "installed with the package).",
    )
    max_attempts: int = Field(
        3,
        ge=1,
        le=10,
        description="Tries when the answer breaks the schema (the error is fed back each time).",
    )
    transient_retries: int = Field(
        2,
        ge=0,
        le=10,
        description="Extra tries after a 429, 5xx or connection fault, with jittered "
        "exponential backoff.",
    )
    max_backoff_s: float = Field(
        20.0,
        description="Longest wait between those tries, in seconds; a longer `Retry-After` is "
        "reported, not waited.",
    )
    # A CPU-bound embedded model on a busy two-core machine can take minutes; the openai client's
    # own default is the same ten minutes.
    timeout_s: float = Field(
        600.0, description="Timeout of one model call, in seconds (not retried)."
    )
    temperature: float = Field(0.0, description="Sampling temperature.")
    max_tokens: int = Field(1536, description="Cap on generated tokens per call.")
    grounding_policy: GroundingPolicy = Field(
        "flag",
        description="`flag` keeps items whose evidence was not found, marked `grounded: false`; "
        "`strict` drops them.",
    )
    fuzzy_threshold: float = Field(
        90.0, ge=0, le=100, description="Fuzzy quote match cut-off (0–100), for quote prompts."
    )
    max_article_chars: int = Field(
        100_000,
        ge=1,
        description="Longest article accepted, in characters (long features and transcripts "
        "included); the request body limit follows it.",
    )
    local_threads: int | None = Field(
        None, description="CPU threads for the embedded model (unset: the cores, at most 2)."
    )
    local_parallel: int = Field(
        1,
        ge=1,
        le=16,
        description="Requests the embedded model serves at once (its slots, each with "
        "`CONCORD_LOCAL_CONTEXT` tokens); the API's in-flight cap follows it.",
    )
    local_context: int = Field(
        32_768,
        ge=2_048,
        le=32_768,
        description="Tokens of context in each slot of the embedded model (both embedded "
        "models are trained for 32,768): an article of ~100,000 characters fits in one piece.",
    )
    context_window: int | None = Field(
        None,
        ge=2_048,
        description="Tokens of context the model may use per request (unset: the provider's "
        "own, e.g. 128,000 for OpenAI, 4,096 for Ollama and llama-server, "
        "`CONCORD_LOCAL_CONTEXT` for the embedded model); an article whose passes would not "
        "fit is summarised in chunks.",
    )
    chunk_chars: int = Field(
        6_000,
        ge=0,
        description="Longest article (in characters of numbered sentences) summarised in one "
        "piece; a longer one is cut into chunks of whole sentences of at most this size, whose "
        "answers are merged. 0: chunk only what does not fit the context window.",
    )
    chunk_overlap_sentences: int = Field(
        2, ge=0, le=10, description="Sentences each chunk repeats from the end of the one before."
    )
    chunk_concurrency: int = Field(
        4,
        ge=1,
        le=32,
        description="Chunks of one article whose passes run at once on a remote provider (the "
        "embedded model runs as many as it has slots).",
    )
    cache_dir: Path | None = Field(
        None,
        description="Where the embedded model's GGUF is assembled "
        "(unset: `${XDG_CACHE_HOME:-~/.cache}/concord/models`).",
    )
    log_level: str = Field(
        "WARNING",
        description="Log level; logs are scrubbed of keys and never hold article text at INFO.",
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="`json` writes one JSON object a log line (request id included)."
    )
    log_article_text: bool = Field(False, description="Log article text at DEBUG (never at INFO).")

    # Provider keys, read from the variables each provider documents.
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=_key("CONCORD_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key"),
        description="OpenAI's key (profile `openai`).",
    )
    azure_api_key: SecretStr | None = Field(
        None,
        validation_alias=_key("AZURE_OPENAI_API_KEY", "azure_api_key"),
        description="Azure OpenAI's key (profile `azure`).",
    )
    azure_endpoint: str | None = Field(
        None,
        validation_alias=_key("AZURE_OPENAI_ENDPOINT", "azure_endpoint"),
        description="Azure OpenAI's endpoint; the base URL is `$AZURE_OPENAI_ENDPOINT/openai/v1/`.",
    )
    openrouter_api_key: SecretStr | None = Field(
        None,
        validation_alias=_key("OPENROUTER_API_KEY", "openrouter_api_key"),
        description="OpenRouter's key (profile `openrouter`).",
    )
    vllm_api_key: SecretStr | None = Field(
        None,
        validation_alias=_key("VLLM_API_KEY", "vllm_api_key"),
        description="A vLLM server's key, if it asks for one (profile `vllm`).",
    )

    api: ApiSettings = Field(default_factory=ApiSettings)
    redis_url: SecretStr | None = Field(
        None,
        description="Redis shared by replicas and workers (cache, one-call lock, in-flight "
        "limit, jobs); unset: everything in this process's memory.",
    )
    shared: SharedSettings = Field(default_factory=SharedSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)

    @property
    def body_limit_bytes(self) -> int:
        """The JSON / ``text/plain`` request body limit: ``api.max_body_bytes`` if set, else
        enough for the longest article in the worst encoding a client may pick."""
        if self.api.max_body_bytes is not None:
            return self.api.max_body_bytes
        return body_limit_for(self.max_article_chars)

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


# A JSON client may escape every character as \uXXXX (Python's json.dumps does so by default
# for anything outside ASCII): six bytes a character, beyond UTF-8's four. The rest is room for
# the other fields (title, source_url, provider …) and the JSON around them.
JSON_BYTES_PER_CHAR = 6
BODY_OVERHEAD_BYTES = 65_536


def body_limit_for(max_article_chars: int) -> int:
    """The request body limit that lets through any article of ``max_article_chars``."""
    return max_article_chars * JSON_BYTES_PER_CHAR + BODY_OVERHEAD_BYTES


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
