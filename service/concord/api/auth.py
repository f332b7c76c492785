"""Optional bearer-token auth: with ``settings.api.api_keys`` empty it is off; otherwise every
guarded route needs ``Authorization: Bearer <one of the keys>``."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard
from pydantic import SecretStr

from concord.api.problems import Unauthorized


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def key_matches(token: str, keys: Sequence[SecretStr]) -> bool:
    """Compare in constant time against every key, so timing tells nothing about which matched."""
    given = token.encode()
    matches = [hmac.compare_digest(given, key.get_secret_value().encode()) for key in keys]
    return any(matches)


def require_api_key(keys: Sequence[SecretStr]) -> Guard:
    """A Litestar guard accepting only requests that carry one of ``keys``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        token = bearer_token(connection.headers.get("authorization"))
        if token is None:
            raise Unauthorized("this API needs a key: send 'Authorization: Bearer <key>'")
        if not key_matches(token, keys):
            raise Unauthorized("the bearer token is not a valid API key", invalid_token=True)

    return guard
