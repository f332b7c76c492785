"""Get a schema-valid answer out of a model: ask, validate, feed the error back, ask again.

The loop is bounded (``max_attempts``). Whatever the provider claims about JSON schema support,
each completion is parsed and validated against ``ModelSummary``; a truncated, empty or invalid
answer costs one attempt and the next request carries the previous answer and what was wrong
with it. When attempts run out, ``OutputInvalid`` carries the count and the last raw output.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from dataclasses import dataclass

from pydantic import ValidationError

from service.errors import OutputInvalid, ProviderError, ProviderRefused
from service.model_call import CallOptions, Completion, call_model
from service.prompts import PromptTemplate
from service.providers import ConnectedModel
from service.schema import ModelSummary, Usage, model_json_schema

log = logging.getLogger(__name__)

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
# Characters of a bad answer echoed back with the repair request. The error message is what
# the model needs; a whole truncated answer (1,500 tokens) plus a long article overflowed the
# embedded model's 4,096-token context on the long-near-limit eval case.
_MAX_ECHO = 2000


@dataclass(frozen=True, slots=True)
class ValidatedOutput:
    summary: ModelSummary
    attempts: int  # model calls made, transient retries included
    usage: Usage  # summed over every call


class _Rejected(Exception):
    """One completion that cannot be used; the message is what the model is told."""


def response_format_for(model: ConnectedModel) -> dict[str, object] | None:
    """The ``response_format`` this profile declares it supports."""
    mode = model.profile.structured_output
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "summary", "schema": model_json_schema(), "strict": True},
        }
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def parse_summary(completion: Completion, max_tokens: int) -> ModelSummary:
    """Validate one completion, raising ``_Rejected`` with a message meant for the model."""
    if completion.finish_reason == "length":
        raise _Rejected(
            f"the answer was cut off at the {max_tokens}-token limit; "
            "use fewer and shorter quotes so the whole JSON fits"
        )
    text = completion.text.strip()
    if not text:
        raise _Rejected("the answer was empty")
    if fenced := _FENCE.match(text):
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Rejected(
            f"the answer is not valid JSON ({exc.msg} at character {exc.pos})"
        ) from None
    try:
        return ModelSummary.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in err['loc']) or 'top level'}: {err['msg']}"
            for err in exc.errors()[:5]
        ]
        raise _Rejected("it does not match the schema: " + "; ".join(problems)) from None


async def request_summary(
    model: ConnectedModel,
    prompt: PromptTemplate,
    messages: list[dict[str, str]],
    options: CallOptions,
    max_attempts: int,
) -> ValidatedOutput:
    """Run the ask → validate → repair loop and return the first valid summary."""
    messages = list(messages)
    if model.profile.structured_output != "json_schema":
        hint = prompt.render_format_instructions(model_json_schema())
        messages[0] = {"role": "system", "content": messages[0]["content"] + "\n" + hint}
    options = dataclasses.replace(options, response_format=response_format_for(model))
    usage, calls, last_output, last_error = Usage(), 0, "", ""
    for attempt in range(1, max_attempts + 1):
        try:
            completion = await call_model(model, messages, options)
        except ProviderError as exc:
            exc.attempts += calls
            exc.extra["attempts"] = exc.attempts
            raise
        calls += completion.calls
        usage += completion.usage
        if completion.refusal:
            raise ProviderRefused(
                f"the model refused to summarise the article: {completion.refusal[:200]}",
                attempts=calls,
            )
        try:
            summary = parse_summary(completion, options.max_tokens)
        except _Rejected as exc:
            last_output, last_error = completion.text, str(exc)
            log.info("attempt %d/%d rejected: %s", attempt, max_attempts, last_error)
            messages += [
                {"role": "assistant", "content": completion.text[:_MAX_ECHO]},
                {"role": "user", "content": prompt.render_repair(last_error)},
            ]
            continue
        return ValidatedOutput(summary, calls, usage)
    raise OutputInvalid(
        f"the model's output was still invalid after {max_attempts} attempt(s): {last_error}",
        attempts=calls,
        last_output=last_output,
        last_error=last_error,
    )
