"""Part of section 6 (embedded model): Concord's summary beside the one call a user would write.

On the sample article and two other eval cases, in one run (a server per prompt version, below):

- **the single-call anchor**: one chat call, the same model and article, a plain
  ``json_schema`` for the three lists (names and roles, what was agreed, who holds which
  position), no evidence, no retries, temperature 0: what a user writes instead of Concord;
- **Concord**: ``summarise`` with the default prompt, and with each other prompt in
  ``COMPARED``, every pass and retry included;
- **the ideal**: the article's tokens prefilled once plus Concord's generated tokens, at the
  prefill and generation speeds llama.cpp measured in this run.

The ratio judged is Concord's wall time ÷ the anchor's (target ≤ 1.0); the absolute seconds and
tokens stand beside it. Each prompt version runs on a server of its own, started for it, with
the anchor beside it on that server: llama.cpp keeps earlier prompts in a host-memory cache
(``PROMPT_CACHE_MIB``) and serves a shared prefix from it, so on one server a prompt whose
system message and article match an earlier version's (v6 asks v3's participants question
byte for byte) would skip reading the article. The anchor shares no prefix with Concord
(its system message differs from the third token), and the articles differ from the first
sentence, so each path meets each article cold.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.context import Size
from benchmarks.sample import ROOT
from benchmarks.stats import Row
from benchmarks.timings import Timings, observed_server
from concord.article import check_article
from concord.pipeline import PipelineOptions, summarise
from concord.prompts import load_prompt
from concord.providers.connection import ConnectedModel
from concord.settings import Settings

SECTION = "6 embedded model"
CASES = ("kerry-lavrov", "hospital-strike", "trade-talks-collapse")
# Prompts measured beside the default in the same run: the multi-pass v3 and the brief v6.
COMPARED = ("summarise/v3", "summarise/v6")
TIMEOUT_S = 900.0

_STRING = {"type": "string"}


def _object(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


ANCHOR_SCHEMA = _object(
    participants=_list(_object(name=_STRING, role=_STRING)),
    agreements=_list(_object(statement=_STRING, parties=_list(_STRING))),
    disagreements=_list(
        _object(topic=_STRING, positions=_list(_object(party=_STRING, position=_STRING)))
    ),
)
ANCHOR_SYSTEM = "You summarise news articles as JSON."
ANCHOR_ASK = (
    "List the participants in this article (people or organisations), what they agreed on, "
    "and where they disagree.\n\n"
)


def _timings(response: Any) -> dict[str, Any]:
    timings = (getattr(response, "model_extra", None) or {}).get("timings")
    return timings if isinstance(timings, dict) else {}


async def _anchor(model: ConnectedModel, text: str) -> dict[str, Any]:
    started = time.perf_counter()
    response = await model.client.chat.completions.create(
        model=model.model,
        messages=[
            {"role": "system", "content": ANCHOR_SYSTEM},
            {"role": "user", "content": ANCHOR_ASK + text},
        ],
        temperature=0.0,
        max_tokens=1536,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "summary", "schema": ANCHOR_SCHEMA, "strict": True},
        },
    )
    wall = time.perf_counter() - started
    usage = response.usage
    return {
        "wall_s": wall,
        "prompt_tokens": usage.prompt_tokens if usage else 0,
        "completion_tokens": usage.completion_tokens if usage else 0,
        "timings": [_timings(response)],
    }


async def _concord(
    model: ConnectedModel, settings: Settings, text: str, timings: Timings, version: str
) -> dict[str, Any]:
    prompt = load_prompt(version, settings.prompts_dir)
    options = PipelineOptions.from_settings(settings)
    article = check_article(text, max_chars=settings.max_article_chars)
    timings.seen.clear()
    started = time.perf_counter()
    result = await summarise(article, model, prompt, options)
    wall = time.perf_counter() - started
    passes = result.meta.passes
    return {
        "wall_s": wall,
        "calls": result.meta.calls,
        "chunks": result.meta.chunks.count if result.meta.chunks is not None else 1,
        "prompt_tokens": result.meta.usage.prompt_tokens,
        "cached_tokens": sum(p.cached_tokens for p in passes),
        "completion_tokens": result.meta.usage.completion_tokens,
        "first_pass_prompt_tokens": passes[0].prompt_tokens if passes else 0,
        # 0 when the article met the server cold; anything more came from an earlier prompt.
        "first_pass_cached_tokens": passes[0].cached_tokens if passes else 0,
        "timings": list(timings.seen),
    }


def _speeds(runs: list[dict[str, Any]]) -> tuple[float, float]:
    """Prefill and generation tokens/s over every call of the run, from llama.cpp's clock."""
    timings = [t for run in runs for t in run["timings"]]
    prompt_n = sum(t.get("prompt_n", 0) for t in timings)
    prompt_ms = sum(t.get("prompt_ms", 0.0) for t in timings)
    gen_n = sum(t.get("predicted_n", 0) for t in timings)
    gen_ms = sum(t.get("predicted_ms", 0.0) for t in timings)
    return (
        prompt_n / prompt_ms * 1000 if prompt_ms else 0.0,
        gen_n / gen_ms * 1000 if gen_ms else 0.0,
    )


async def rows() -> list[Row]:
    """The floor table: per article, Concord ÷ anchor, with the ideal beside them."""
    settings = Settings(model="local", base_url=None, timeout_s=TIMEOUT_S)
    versions = [settings.prompt_version, *(v for v in COMPARED if v != settings.prompt_version)]
    measured: dict[str, dict[str, Any]] = {case: {} for case in CASES}
    for version in versions:
        # A fresh server per version: nothing one version read is in the cache of the next.
        async with observed_server(settings) as (model, timings):
            for n, case in enumerate(CASES):
                text = (ROOT / "evals" / "cases" / case / "article.txt").read_text("utf-8")
                # Alternate which path goes first, so neither always follows the other.
                for path in ("anchor", version)[:: 1 if n % 2 == 0 else -1]:
                    key = f"anchor:{version}" if path == "anchor" else version
                    measured[case][key] = (
                        await _anchor(model, text)
                        if path == "anchor"
                        else await _concord(model, settings, text, timings, version)
                    )
    runs = [run for both in measured.values() for run in both.values()]
    prefill_tps, gen_tps = _speeds(runs)
    out: list[Row] = []
    for case, both in measured.items():
        for version in versions:
            anchor, concord = both[f"anchor:{version}"], both[version]
            ratio = concord["wall_s"] / anchor["wall_s"] if anchor["wall_s"] else None
            ideal = (
                concord["first_pass_prompt_tokens"] / prefill_tps
                + concord["completion_tokens"] / gen_tps
                if prefill_tps and gen_tps
                else 0.0
            )
            default = " (default)" if version == settings.prompt_version else ""
            out.append(
                Row(
                    SECTION,
                    f"floor, {case}: Concord {version}{default} ÷ single-call anchor",
                    f"Concord {concord['wall_s']:.1f} s ({concord['calls']} calls, "
                    f"{concord['prompt_tokens']} prompt of which {concord['cached_tokens']} "
                    f"cached, {concord['completion_tokens']} generated) vs anchor "
                    f"{anchor['wall_s']:.1f} s ({anchor['prompt_tokens']} + "
                    f"{anchor['completion_tokens']}); ideal {ideal:.1f} s; first call "
                    f"{concord['first_pass_cached_tokens']} tokens from the cache",
                    ratio=ratio,
                    target="ratio ≤ 1.0",
                    met=ratio is not None and ratio <= 1.0,
                    detail={"anchor": anchor, "concord": concord, "ideal_s": ideal},
                )
            )
    out.append(
        Row(
            SECTION,
            "floor: llama.cpp's measured speeds in this run",
            f"prefill {prefill_tps:.1f} tok/s, generation {gen_tps:.1f} tok/s",
        )
    )
    return out


async def run(size: Size) -> list[Row]:
    """``python -m benchmarks --only floor``: the floor alone (``embedded`` runs it too)."""
    return await rows()
