"""Connecting to a model: its key and base URL from settings, one ``AsyncOpenAI`` client, and for
``local`` the embedded llama.cpp server started for as long as the connection is open.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx2
from openai import AsyncOpenAI

from concord.errors import ConfigurationError, ProviderUnavailable
from concord.providers.embedded.catalog import EmbeddedModel, find_embedded
from concord.providers.embedded.model_file import EmbeddedModelUnavailable
from concord.providers.embedded.parent import LocalModelServer
from concord.providers.profiles import PROFILES, ModelRef, ProviderProfile, parse_model_id
from concord.settings import Settings

# Connections one client may open to a provider; all are kept alive so that a second burst of
# requests does not reopen them (measured in benchmarks/concurrency.py).
POOL_CONNECTIONS = 256


@dataclass(frozen=True, slots=True)
class ConnectedModel:
    """An authenticated client bound to one model, ready to be called."""

    client: AsyncOpenAI
    profile: ProviderProfile
    model: str
    context_window: int | None = None  # tokens; unset: the profile's
    slots: int | None = None  # requests it serves at once, when known (the embedded model)

    @property
    def provider(self) -> str:
        return self.profile.name

    @property
    def window(self) -> int:
        """Tokens of context one request may use."""
        return self.context_window or self.profile.context_window


def settings_for(settings: Settings, provider: str) -> Settings:
    """``settings`` as they apply to ``provider``: ``CONCORD_BASE_URL`` and ``CONCORD_API_KEY``
    were set for the configured provider (``CONCORD_MODEL``), and sending that key to another
    provider would leak it, so every other provider uses only its own variables."""
    if provider == parse_model_id(settings.model).provider:
        return settings
    return settings.model_copy(update={"base_url": None, "api_key": None})


def given_key(profile: ProviderProfile, settings: Settings) -> str | None:
    """The key the settings hold for ``profile`` (``CONCORD_API_KEY`` first), if any."""
    if settings.api_key is not None and settings.api_key.get_secret_value():
        return settings.api_key.get_secret_value()
    secret = getattr(settings, profile.key_field) if profile.key_field else None
    if secret is not None and secret.get_secret_value():
        return str(secret.get_secret_value())
    return None


def api_key_for(profile: ProviderProfile, settings: Settings) -> str:
    """The key to send, or a configuration error naming the variable a required key needs."""
    if (key := given_key(profile, settings)) is not None:
        return key
    if profile.key_required:
        raise ConfigurationError(
            f"provider '{profile.name}' needs an API key: set {profile.key_env} "
            "(or CONCORD_API_KEY)"
        )
    # Local servers ignore the key, but the client insists on one.
    return "not-needed"


def base_url_for(profile: ProviderProfile, settings: Settings) -> str:
    """Where ``profile``'s server is, or a configuration error naming the variable to set."""
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


def model_for(profile: ProviderProfile, ref: ModelRef) -> str:
    """The model ``ref`` names, else the profile's default, else an error saying to name one."""
    model = ref.model or profile.default_model
    if not model:
        raise ConfigurationError(
            f"provider '{profile.name}' has no default model: name one, e.g. '{profile.name}:NAME'"
        )
    return model


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
    # Nothing optional is imported here: a missing xllamacpp or model part is found by start(),
    # which says what to install.
    return LocalModelServer(
        threads=settings.local_threads,
        n_ctx=settings.local_context,
        parallel=settings.local_parallel,
        cache_dir=settings.cache_dir,
        model=model,
        log_level=settings.log_level,
    )


def _could_not_start(exc: Exception) -> ProviderUnavailable:
    return ProviderUnavailable(f"the embedded model could not start: {exc}")


@contextlib.contextmanager
def embedded_model(settings: Settings) -> Iterator[str]:
    """Start the embedded llama.cpp server for as long as the block runs; yield its base URL.

    ``concord serve`` uses this to start the model once, before it listens, so that a model
    that cannot start ends the command with one line instead of a server that answers 503.
    """
    chosen = find_embedded(parse_model_id(settings.model).model)
    server = _local_model_server(settings, chosen)
    try:
        server.start()
    except EmbeddedModelUnavailable as exc:
        raise _could_not_start(exc) from None
    try:
        yield server.base_url
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def _embedded_server(settings: Settings, model: EmbeddedModel) -> AsyncIterator[str]:
    """Start the embedded llama.cpp server for as long as the block runs; yield its base URL."""
    server = _local_model_server(settings, model)
    try:
        await server.__aenter__()
    except EmbeddedModelUnavailable as exc:
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
                yield ConnectedModel(
                    client,
                    profile,
                    embedded.name,
                    context_window=min(settings.context_window or 10**9, settings.local_context),
                    slots=settings.local_parallel,
                )
            finally:
                await client.close()
        return
    model = model_for(profile, ref)
    client = make_client(base_url_for(profile, settings), api_key_for(profile, settings), settings)
    try:
        yield ConnectedModel(client, profile, model, context_window=settings.context_window)
    finally:
        await client.close()
