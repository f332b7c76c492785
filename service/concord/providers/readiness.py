"""Readiness: can the default model answer? A cheap ``GET {base_url}/models`` with a short timeout.

For the embedded model this asks the llama.cpp server the app started; for a remote provider it
proves the network path and the key. A 404 still proves the server is up (some servers have no
model list); a connection fault, a timeout, a 5xx or a rejected key means not ready.
"""

from __future__ import annotations

import openai

from concord.errors import ProviderUnavailable
from concord.providers.connection import ConnectedModel

READY_TIMEOUT_S = 2.0


async def check_ready(
    model: ConnectedModel, timeout_s: float = READY_TIMEOUT_S, *, key_sent: bool = True
) -> None:
    """Return if the provider answers; raise ``ProviderUnavailable`` saying why not.

    With ``key_sent=False`` (no key was configured, so none could be checked) a 401 or 403 still
    proves that the server is there.
    """
    client = model.client.with_options(timeout=timeout_s, max_retries=0)
    try:
        await client.models.list()
    except openai.APITimeoutError:
        raise ProviderUnavailable(
            f"the model provider did not answer within {timeout_s:g} s", calls=1
        ) from None
    except openai.APIConnectionError:
        raise ProviderUnavailable("the model provider could not be reached", calls=1) from None
    except openai.APIStatusError as exc:
        if exc.status_code in (401, 403) and key_sent:
            raise ProviderUnavailable(
                f"the model provider rejected Concord's API key ({exc.status_code})", calls=1
            ) from None
        if exc.status_code >= 500:
            raise ProviderUnavailable(
                f"the model provider is failing ({exc.status_code})", calls=1
            ) from None
