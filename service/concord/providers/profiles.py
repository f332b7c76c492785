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

from dataclasses import dataclass, field
from typing import Any, Literal

from concord.errors import ConfigurationError
from concord.providers.embedded.catalog import DEFAULT_EMBEDDED, canonical_name

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
    # Its structured output honours a string's ``maxLength`` and ``pattern`` (llama.cpp's
    # grammars do; OpenAI's strict mode rejects the first). Lean and brief prompts use them.
    string_limits: bool = False
    # Tokens of context a request may use, unless CONCORD_CONTEXT_WINDOW says otherwise; an
    # article whose passes would not fit is summarised in chunks.
    context_window: int = 8_192


_LLAMA_CPP_SAMPLING = {"repeat_penalty": 1.1}

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
            context_window=128_000,
        ),
        ProviderProfile(
            "azure",
            None,
            "json_schema",
            None,
            "azure_api_key",
            "AZURE_OPENAI_API_KEY",
            key_required=True,
            context_window=128_000,
        ),
        ProviderProfile(
            "openrouter",
            "https://openrouter.ai/api/v1",
            "json_schema",
            "openai/gpt-4o-mini",
            "openrouter_api_key",
            "OPENROUTER_API_KEY",
            key_required=True,
            context_window=128_000,
        ),
        # Ollama's own default context (num_ctx) is 4,096 tokens whatever the model was trained for.
        ProviderProfile(
            "ollama", "http://127.0.0.1:11434/v1", "json_schema", "qwen2.5:7b", context_window=4_096
        ),
        ProviderProfile(
            "vllm",
            "http://127.0.0.1:8000/v1",
            "json_schema",
            None,
            "vllm_api_key",
            "VLLM_API_KEY",
            context_window=32_768,
        ),
        ProviderProfile(
            "llamacpp",
            "http://127.0.0.1:8080/v1",
            "json_schema",
            "default",
            extra_body=_LLAMA_CPP_SAMPLING,
            string_limits=True,
            context_window=4_096,  # llama-server's -c default
        ),
        # Any other OpenAI-compatible server: set CONCORD_BASE_URL (and CONCORD_API_KEY).
        ProviderProfile("compatible", None, "json_object", None, None, "CONCORD_API_KEY"),
        # The embedded default; 'local:NAME' picks another from providers.embedded.catalog.
        ProviderProfile(
            "local",
            None,
            "json_schema",
            DEFAULT_EMBEDDED.name,
            extra_body=_LLAMA_CPP_SAMPLING,
            string_limits=True,
            context_window=32_768,  # CONCORD_LOCAL_CONTEXT's default
        ),
    ]
}


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
