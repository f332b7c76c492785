"""Get a schema-valid answer out of a model: ask, validate, feed the error back, ask again.

The loop is bounded (``max_attempts``). Whatever the provider claims about JSON schema support,
each completion is parsed and validated against ``ModelSummary``; a truncated, empty or invalid
answer costs one attempt and the next request carries the previous answer and what was wrong
with it. When attempts run out, ``OutputInvalid`` carries the calls made and the last raw output.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import from_json

from concord.errors import OutputInvalid, ProviderError, ProviderRefused
from concord.prompts import PromptTemplate
from concord.providers.call import CallOptions, Completion, call_model
from concord.providers.connection import ConnectedModel
from concord.schema import ModelSummary, PassSchemas, Usage, bounded_schema, model_json_schema

log = logging.getLogger(__name__)
Output = TypeVar("Output", bound=BaseModel)

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
# Characters of a bad answer echoed back with the repair request. The error message is what
# the model needs; a whole truncated answer (1,500 tokens) plus a long article overflowed the
# embedded model's 4,096-token context on the long-near-limit eval case.
_MAX_ECHO = 2000


@dataclass(frozen=True, slots=True)
class ValidatedOutput(Generic[Output]):
    value: Output
    calls: int  # model calls made, transient retries included
    usage: Usage  # summed over every call
    cached_tokens: int = 0  # prompt tokens the server reused from its cache, summed
    salvaged: bool = False  # cut off at the token cap; the complete items were kept


class _Rejected(Exception):
    """One completion that cannot be used; the message is what the model is told."""


class _CheckFailed(_Rejected):
    """A schema-valid completion that broke a rule of ``check``; the value is kept."""

    def __init__(self, message: str, value: BaseModel) -> None:
        super().__init__(message)
        self.value = value


def schema_for(
    model: ConnectedModel, output: type[BaseModel], *, answers: PassSchemas = "cited"
) -> dict[str, Any]:
    """The JSON schema sent for ``output``: a lean or brief prompt's carries its string bounds
    where the profile honours them."""
    schema = model_json_schema(output)
    return bounded_schema(schema, answers) if model.profile.string_limits else schema


def response_format_for(
    model: ConnectedModel,
    output: type[BaseModel] = ModelSummary,
    name: str = "summary",
    *,
    answers: PassSchemas = "cited",
) -> dict[str, object] | None:
    """The ``response_format`` this profile declares it supports."""
    mode = model.profile.structured_output
    if mode == "json_schema":
        schema = schema_for(model, output, answers=answers)
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def _json_text(completion: Completion) -> str:
    text = completion.text.strip()
    if not text:
        raise _Rejected("the answer was empty")
    if fenced := _FENCE.match(text):
        text = fenced.group(1)
    return text


def parse_output(
    completion: Completion,
    output: type[Output],
    max_tokens: int,
    check: Callable[[Output], None] | None = None,
) -> Output:
    """Validate one completion, raising ``_Rejected`` with a message meant for the model."""
    if completion.finish_reason == "length":
        raise _Rejected(
            f"the answer was cut off at the {max_tokens}-token limit; "
            "use fewer and shorter quotes so the whole JSON fits"
        )
    text = _json_text(completion)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Rejected(
            f"the answer is not valid JSON ({exc.msg} at character {exc.pos})"
        ) from None
    try:
        value = output.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in err['loc']) or 'top level'}: {err['msg']}"
            for err in exc.errors()[:5]
        ]
        raise _Rejected("it does not match the schema: " + "; ".join(problems)) from None
    if check is not None:
        try:
            check(value)
        except ValueError as exc:
            raise _CheckFailed(str(exc), value) from None
    return value


def salvage(completion: Completion, output: type[Output]) -> Output | None:
    """The complete items of an answer cut off at the token cap, or None if there are none.

    A pass whose answer overruns returns what it has rather than nothing: the truncated JSON is
    parsed leniently (pydantic's partial mode), and each list keeps only items that validate.
    """
    try:
        data = from_json(_json_text(completion), allow_partial=True)
    except (_Rejected, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    kept: dict[str, list[Any]] = {}
    for field, info in output.model_fields.items():
        items = data.get(field)
        if not isinstance(items, list) or get_origin(info.annotation) is not list:
            return None
        (item_type,) = get_args(info.annotation)
        kept[field] = []
        for item in items:
            try:
                kept[field].append(TypeAdapter(item_type).validate_python(item))
            except ValidationError:
                continue
    if not any(kept.values()):
        return None
    return output.model_validate({k: [i.model_dump() for i in v] for k, v in kept.items()})


async def request_structured(
    model: ConnectedModel,
    messages: list[dict[str, str]],
    options: CallOptions,
    max_attempts: int,
    *,
    output: type[Output],
    prompt: PromptTemplate,
    name: str = "summary",
    check: Callable[[Output], None] | None = None,
    hint_in_system: bool = True,
    salvage_cut_off: bool = False,
    last_resort: Callable[[Output], Output] | None = None,
    answers: PassSchemas = "cited",
) -> ValidatedOutput[Output]:
    """Run the ask → validate → repair loop and return the first valid ``output``.

    ``check`` adds rules the schema cannot say (sentence numbers in range); its ``ValueError``
    is fed back like a schema error. With ``salvage_cut_off``, an answer cut off at the token
    cap keeps its complete items instead of costing an attempt; ``last_resort`` mends a value
    that still breaks ``check`` on the last attempt (e.g. drops citations of sentences that do
    not exist) instead of failing the whole summary. The string bounds of ``answers`` (lean,
    brief) go into the schema where the profile honours them. The format hint for profiles
    without ``json_schema`` goes into the system message, or, with ``hint_in_system=False``,
    after the last message so a shared prefix stays byte-identical across passes.
    """
    messages = list(messages)
    if model.profile.structured_output != "json_schema":
        hint = prompt.render_format_instructions(model_json_schema(output))
        at = 0 if hint_in_system else len(messages) - 1
        messages[at] = {**messages[at], "content": messages[at]["content"] + "\n" + hint}
    response_format = response_format_for(model, output, name, answers=answers)
    options = dataclasses.replace(options, response_format=response_format)
    usage, calls, cached, last_output, last_error = Usage(), 0, 0, "", ""
    for attempt in range(1, max_attempts + 1):
        try:
            completion = await call_model(model, messages, options)
        except ProviderError as exc:
            exc.calls += calls
            exc.extra["calls"] = exc.calls
            raise
        calls += completion.calls
        usage += completion.usage
        cached += completion.cached_tokens
        if completion.refusal:
            raise ProviderRefused(
                f"the model refused to summarise the article: {completion.refusal[:200]}",
                calls=calls,
            )
        if (
            salvage_cut_off
            and completion.finish_reason == "length"
            and (partial := salvage(completion, output)) is not None
        ):
            log.info("attempt %d/%d cut off; kept its complete items", attempt, max_attempts)
            return ValidatedOutput(partial, calls, usage, cached, salvaged=True)
        try:
            value = parse_output(completion, output, options.max_tokens, check)
        except _Rejected as exc:
            if attempt == max_attempts and last_resort and isinstance(exc, _CheckFailed):
                log.info("last attempt still breaks a rule (%s); mending it", exc)
                mended = last_resort(exc.value)  # type: ignore[arg-type]
                return ValidatedOutput(mended, calls, usage, cached, salvaged=True)
            last_output, last_error = completion.text, str(exc)
            log.info("attempt %d/%d rejected: %s", attempt, max_attempts, last_error)
            messages += [
                {"role": "assistant", "content": completion.text[:_MAX_ECHO]},
                {"role": "user", "content": prompt.render_repair(last_error)},
            ]
            continue
        return ValidatedOutput(value, calls, usage, cached)
    raise OutputInvalid(
        f"the model's output was still invalid after {max_attempts} attempt(s): {last_error}",
        calls=calls,
        last_output=last_output,
        last_error=last_error,
    )


async def request_summary(
    model: ConnectedModel,
    prompt: PromptTemplate,
    messages: list[dict[str, str]],
    options: CallOptions,
    max_attempts: int,
) -> ValidatedOutput[ModelSummary]:
    """The single-pass loop of quote prompts (v1, v2): one ``ModelSummary``."""
    return await request_structured(
        model, messages, options, max_attempts, output=ModelSummary, prompt=prompt
    )
