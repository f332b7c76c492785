"""Run the cases: live against a provider while recording, or offline from the cassettes.

Replay starts no model server and opens no socket: the client points at a placeholder address
(``127.0.0.1:9``, the discard port) and vcrpy answers every request from the cassette. A request
the cassette cannot answer fails that case loudly with vcrpy's explanation; it never reaches
the network. A cassette left partly unplayed fails the case too (the code made fewer calls than
were recorded, so something changed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx2
from openai import AsyncOpenAI
from vcr.errors import CannotOverwriteExistingCassetteException  # type: ignore[import-untyped]

from concord.article import check_article
from concord.chunks import ChunkOptions
from concord.errors import ConcordError, OutputInvalid
from concord.evaluation.cases import Case
from concord.evaluation.cassettes import (
    CassetteLibrary,
    Outcome,
    Recording,
    cassette_path,
    concord_version,
    model_id_hash,
    record_command,
)
from concord.evaluation.results import CaseRun
from concord.evaluation.scoring import score_case
from concord.pipeline import PipelineOptions, summarise
from concord.prompts import PromptTemplate
from concord.providers.call import CallOptions
from concord.providers.connection import ConnectedModel, connect
from concord.providers.profiles import PROFILES, ModelRef
from concord.schema import SummaryResult
from concord.settings import Settings

REPLAY_BASE_URL = "http://127.0.0.1:9/v1"


@dataclass(frozen=True, slots=True)
class Target:
    """One provider:model whose cassettes are replayed."""

    provider: str
    model: str

    @property
    def id(self) -> str:
        return f"{self.provider}:{self.model}"


def options_dict(
    options: PipelineOptions, max_article_chars: int, context_window: int
) -> dict[str, Any]:
    chunking = options.chunking
    return {
        "max_attempts": options.max_attempts,
        "grounding_policy": options.grounding_policy,
        "fuzzy_threshold": options.fuzzy_threshold,
        "temperature": options.call.temperature,
        "max_tokens": options.call.max_tokens,
        "transient_retries": options.call.transient_retries,
        "max_backoff_s": options.call.max_backoff_s,
        "max_article_chars": max_article_chars,
        # How long articles were cut (none when unset: recorded before chunking existed).
        "chunk_chars": None if chunking is None else chunking.max_chars,
        "chunk_overlap_sentences": None if chunking is None else chunking.overlap_sentences,
        "context_window": context_window,
        # Titles kept with names when splitting sentences (absent: recorded before that).
        "join_titles": options.join_titles,
    }


def options_from(recorded: dict[str, Any]) -> tuple[PipelineOptions, int]:
    call = CallOptions(
        temperature=recorded["temperature"],
        max_tokens=recorded["max_tokens"],
        transient_retries=recorded["transient_retries"],
        max_backoff_s=recorded["max_backoff_s"],
    )
    chunking = None
    if recorded.get("chunk_chars") is not None:
        chunking = ChunkOptions(
            max_chars=recorded["chunk_chars"],
            overlap_sentences=recorded["chunk_overlap_sentences"],
            concurrency=1,  # one chunk at a time: the replay's order is the recording's
        )
    options = PipelineOptions(
        max_attempts=recorded["max_attempts"],
        grounding_policy=recorded["grounding_policy"],
        fuzzy_threshold=recorded["fuzzy_threshold"],
        call=call,
        chunking=chunking,
        join_titles=bool(recorded.get("join_titles", False)),
    )
    return options, int(recorded["max_article_chars"])


def describe_error(exc: Exception) -> str:
    """One line for a failed summarise call, as shown in reports."""
    if isinstance(exc, OutputInvalid):
        return f"{exc.title} after {exc.calls} call(s): {exc.last_error}"
    if isinstance(exc, ConcordError):
        return f"{exc.title}: {exc.detail}"
    return f"replay mismatch, the cassette cannot answer a request: {exc}"


async def _summarise_case(
    case: Case,
    model: ConnectedModel,
    prompt: PromptTemplate,
    options: PipelineOptions,
    max_chars: int,
) -> tuple[SummaryResult | None, str | None, int]:
    """Summarise one case; a Concord error or an unanswerable replay becomes an error line."""
    try:
        article = check_article(case.article, max_chars=max_chars)
        return await summarise(article, model, prompt, options), None, 0
    except ConcordError as exc:
        return None, describe_error(exc), int(getattr(exc, "calls", 0))
    except CannotOverwriteExistingCassetteException as exc:
        return None, describe_error(exc), 0


def _case_run(
    case: Case,
    *,
    recording: Recording,
    outcome: Outcome,
    result: SummaryResult | None,
    error: str | None,
    mode: Literal["record", "replay"],
) -> CaseRun:
    share = result.meta.grounding.ratio if result is not None else None
    return CaseRun(
        case_id=case.id,
        model_id=f"{recording.provider}:{recording.model}",
        provider=recording.provider,
        model=recording.model,
        prompt_version=recording.prompt_version,
        prompt_hash=recording.prompt_hash,
        mode=mode,
        recorded_at=recording.recorded_at,
        latency_ms=outcome.latency_ms,
        prompt_tokens=outcome.prompt_tokens,
        completion_tokens=outcome.completion_tokens,
        calls=outcome.calls,
        options=recording.options,
        result=result,
        error=error,
        score=score_case(case, result.summary if result else None, share, error),
    )


async def record_cases(
    settings: Settings,
    *,
    ref: ModelRef,
    cases: list[Case],
    prompt: PromptTemplate,
    library: CassetteLibrary,
    on_case: Callable[[CaseRun], None] | None = None,
) -> list[CaseRun]:
    """Summarise every case live with ``ref``, one after another, storing one cassette each."""
    options = PipelineOptions.from_settings(settings)
    runs = []
    async with connect(settings, ref) as model:
        for case in cases:
            run = await record_case(
                case,
                model=model,
                prompt=prompt,
                options=options,
                settings=settings,
                library=library,
            )
            runs.append(run)
            if on_case is not None:
                on_case(run)
    return runs


async def record_case(
    case: Case,
    *,
    model: ConnectedModel,
    prompt: PromptTemplate,
    options: PipelineOptions,
    settings: Settings,
    library: CassetteLibrary,
) -> CaseRun:
    """Summarise one case live and store every interaction, retries included, in its cassette.

    The cassette is written beside the old one and moved into place only once complete; a run
    that recorded nothing at all (e.g. the server never answered) leaves the old one alone.
    """
    path = cassette_path(library.root, model.provider, model.model, case.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.recording")  # not *.yaml until it is complete
    partial.unlink(missing_ok=True)  # a fresh cassette: never mix old and new interactions
    recording = Recording(
        provider=model.provider,
        model=model.model,
        prompt_version=prompt.id,
        prompt_hash=prompt.content_hash,
        schema_hash=prompt.schema_hash,
        model_id_hash=model_id_hash(model.provider, model.model),
        article_sha256=check_article(case.article, max_chars=10**9).sha256,
        options=options_dict(options, settings.max_article_chars, model.window),
        recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        concord_version=concord_version(),
    )
    with library.vcr().use_cassette(str(partial), record_mode="all") as cassette:
        cassette.get_metadata("recording", recording.model_dump())
        started = time.perf_counter()
        result, error, calls = await _summarise_case(
            case, model, prompt, options, settings.max_article_chars
        )
        outcome = _outcome(result, error, calls, (time.perf_counter() - started) * 1000)
        cassette.get_metadata("outcome", outcome.model_dump())
        recorded = len(cassette)
    if recorded:
        partial.replace(path)
    else:
        partial.unlink(missing_ok=True)
        error = f"nothing was recorded, {path.name} is unchanged: {error}"
    return _case_run(
        case, recording=recording, outcome=outcome, result=result, error=error, mode="record"
    )


def _outcome(
    result: SummaryResult | None, error: str | None, calls: int, latency_ms: float
) -> Outcome:
    if result is None:
        return Outcome(latency_ms=round(latency_ms, 1), calls=calls, error=error)
    usage = result.meta.usage
    return Outcome(
        latency_ms=result.meta.latency_ms,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        calls=result.meta.calls,
    )


def replay_model(provider: str, model: str, context_window: int | None = None) -> ConnectedModel:
    """A model whose client points nowhere real: vcrpy intercepts its traffic."""
    client = AsyncOpenAI(
        base_url=REPLAY_BASE_URL,
        api_key="replay-placeholder",
        max_retries=0,
        http_client=httpx2.AsyncClient(timeout=30),
    )
    return ConnectedModel(client, PROFILES[provider], model, context_window=context_window)


async def replay_case(
    case: Case, target: Target, prompt: PromptTemplate, library: CassetteLibrary
) -> CaseRun:
    """Replay one case's cassette; a missing or partly played cassette fails the case."""
    path = cassette_path(library.root, target.provider, target.model, case.id)
    if not path.is_file():
        return _missing(case, target, prompt, path)
    with library.vcr().use_cassette(str(path), record_mode="none") as cassette:
        recording = Recording.model_validate(cassette.get_metadata("recording", None))
        outcome = Outcome.model_validate(cassette.get_metadata("outcome", None))
        options, max_chars = options_from(recording.options)
        model = replay_model(
            recording.provider, recording.model, recording.options.get("context_window")
        )
        try:
            result, error, _ = await _summarise_case(case, model, prompt, options, max_chars)
        finally:
            await model.client.close()
        if error is None and outcome.error is not None:
            error = f"replay succeeded but the recording failed ({outcome.error})"
        unplayed = len(cassette) - cassette.play_count
        if unplayed and error is None:
            error = (
                f"replay drift: {unplayed} recorded interaction(s) were never requested; "
                f"re-record: {record_command(target.provider, target.model, case.id)}"
            )
            result = None
    return _case_run(
        case, recording=recording, outcome=outcome, result=result, error=error, mode="replay"
    )


def _missing(case: Case, target: Target, prompt: PromptTemplate, path: Path) -> CaseRun:
    command = record_command(target.provider, target.model, case.id)
    error = f"no cassette at {path}; record it: {command}"
    return CaseRun(
        case_id=case.id,
        model_id=target.id,
        provider=target.provider,
        model=target.model,
        prompt_version=prompt.id,
        prompt_hash=prompt.content_hash,
        mode="replay",
        error=error,
        score=score_case(case, None, None, error),
    )
