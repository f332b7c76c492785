"""Each provider profile as this machine sees it, for ``concord providers``: its key variable and
whether it is set, its base URL, and whether that URL answers.

Nothing here starts a model or shows a secret: a key is reported as set or missing, never read
out. A URL "answers" when ``GET {base_url}/models`` returns within a short timeout: the probe of
the API's readiness check (``providers.readiness``), so both say the same thing. It is chosen over
a bare TCP connect because an open port only proves that something listens there; a reply to
``/models`` proves an OpenAI-compatible server (a 404 still counts: some have no model list), and
when a key is configured, that the server accepts it. For ``local`` without ``CONCORD_BASE_URL``
there is no URL until the model is started, so its row says whether the embedded model is
installed instead, which costs milliseconds where starting it costs a minute.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from concord.errors import ConcordError, ConfigurationError, ProviderUnavailable
from concord.providers.connection import (
    ConnectedModel,
    api_key_for,
    base_url_for,
    given_key,
    make_client,
    model_for,
    settings_for,
)
from concord.providers.embedded.catalog import find_embedded
from concord.providers.embedded.model_file import installation
from concord.providers.profiles import PROFILES, ModelRef, ProviderProfile, parse_model_id
from concord.providers.readiness import READY_TIMEOUT_S, check_ready
from concord.settings import Settings

EMBEDDED_URL = "embedded, started on demand"


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """One profile's row: what it needs, what is set, and whether it can be used now."""

    profile: ProviderProfile
    configured: bool  # the profile of CONCORD_MODEL (or --model)
    model: str | None
    key_variable: str | None
    key: str  # "set", "missing", "not set (optional)" or "not needed"; never the key itself
    base_url: str | None
    reachable: str  # "answers", "installed …", or why not
    problem: ConcordError | None  # why it cannot be used now; None when it can

    @property
    def usable(self) -> bool:
        return self.problem is None


async def provider_statuses(
    settings: Settings, timeout_s: float = READY_TIMEOUT_S
) -> list[ProviderStatus]:
    """Every profile's status, in the profile table's order; the probes run side by side."""
    configured = parse_model_id(settings.model)
    return list(
        await asyncio.gather(
            *(_status(profile, configured, settings, timeout_s) for profile in PROFILES.values())
        )
    )


async def _status(
    profile: ProviderProfile, configured: ModelRef, settings: Settings, timeout_s: float
) -> ProviderStatus:
    is_configured = profile.name == configured.provider
    settings = settings_for(settings, profile.name)
    model = (configured.model if is_configured else None) or profile.default_model
    key_given = given_key(profile, settings) is not None
    problems: list[ConcordError] = []
    try:
        api_key_for(profile, settings)
        if is_configured:
            model_for(profile, configured)
    except ConfigurationError as exc:
        problems.append(exc)
    base_url: str | None = None
    if profile.name == "local" and not settings.base_url:
        base_url = EMBEDDED_URL
        ok, reachable = installation(find_embedded(model), settings.cache_dir)
        if not ok:
            problems.append(ProviderUnavailable(f"the embedded model is not usable: {reachable}"))
    else:
        try:
            base_url = base_url_for(profile, settings)
        except ConfigurationError as exc:
            problems.append(exc)
            reachable = "not checked (no URL)"
        else:
            reachable = await _answers(profile, base_url, settings, timeout_s)
            if reachable != "answers":
                problems.append(ProviderUnavailable(f"{base_url}: {reachable}"))
    return ProviderStatus(
        profile=profile,
        configured=is_configured,
        model=model,
        key_variable=profile.key_env,
        key=_key_state(profile, key_given),
        base_url=base_url,
        reachable=reachable,
        problem=problems[0] if problems else None,
    )


def _key_state(profile: ProviderProfile, given: bool) -> str:
    if given:
        return "set"
    if profile.key_required:
        return "missing"
    return "not set (optional)" if profile.key_env else "not needed"


async def _answers(
    profile: ProviderProfile, base_url: str, settings: Settings, timeout_s: float
) -> str:
    """``"answers"``, or why ``GET {base_url}/models`` did not answer."""
    key = given_key(profile, settings)
    client = make_client(base_url, key or "not-needed", settings)
    try:
        await check_ready(ConnectedModel(client, profile, ""), timeout_s, key_sent=key is not None)
    except ProviderUnavailable as exc:
        return exc.detail.removeprefix("the model provider ")
    finally:
        await client.close()
    return "answers"
