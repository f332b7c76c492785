"""How a summary's cost grows with the article's length, on the embedded model (issue 19).

``python -m benchmarks --only length`` (half an hour to an hour on two cores): articles of
about 2k, 8k, 16k and 32k characters, each the opening of the longest eval case
(``river-basin-feature``, a real-shaped feature written for the suite) cut at the paragraph
break nearest below the length, so every length is real case text. For each, in one run, on an
embedded server started for that length (every opening begins with the shorter ones, which one
server's prompt cache would serve), with the default settings: Concord's summary (wall time,
chunks, calls, prompt tokens read and served from the cache, generated tokens) beside the
single-call anchor of ``benchmarks.floor`` (one plain ``json_schema`` call, where the article
fits the context), and the ratio Concord ÷ anchor.

Linear growth is judged on seconds per thousand characters: the longest article's against the
8k one's, in the same run (target ≤ 1.5: chunks cost the same each, so the time per character
should not climb with length).
"""

from __future__ import annotations

from typing import Any

from benchmarks.context import Size
from benchmarks.embedded import missing
from benchmarks.floor import TIMEOUT_S, _anchor, _concord, _speeds
from benchmarks.sample import ROOT
from benchmarks.stats import Row
from benchmarks.timings import observed_server
from concord.chunks import PASS_OVERHEAD_TOKENS
from concord.settings import Settings

SECTION = "7 article length"
SOURCE = ROOT / "evals" / "cases" / "river-basin-feature" / "article.txt"
LENGTHS = (2_000, 8_000, 16_000, 32_000)
# The anchor answers within this many tokens (``benchmarks.floor``); it fits when the article's
# tokens, at ~4 characters each, and this leave room in the context.
ANCHOR_ANSWER_TOKENS = 1_536


def opening(text: str, length: int) -> str:
    """The first paragraphs of ``text`` within ``length`` characters (the whole if shorter)."""
    if len(text) <= length:
        return text
    cut = text.rfind("\n\n", 0, length)
    return text[: cut if cut > 0 else length].rstrip()


def _fits_anchor(chars: int, window: int) -> bool:
    return chars / 4 + ANCHOR_ANSWER_TOKENS + PASS_OVERHEAD_TOKENS <= window


async def rows(lengths: tuple[int, ...] = LENGTHS) -> list[Row]:
    """The length table: per length, Concord and the anchor; then the growth of time per char."""
    settings = Settings(model="local", base_url=None, timeout_s=TIMEOUT_S)
    source = SOURCE.read_text(encoding="utf-8")
    measured: list[dict[str, Any]] = []
    for length in lengths:
        # A fresh server per length: every opening begins with the shorter ones, so on one
        # server llama.cpp's host-memory prompt cache would serve the shared beginning.
        async with observed_server(settings) as (model, timings):
            text = opening(source, length)
            concord = await _concord(model, settings, text, timings, settings.prompt_version)
            anchor = await _anchor(model, text) if _fits_anchor(len(text), model.window) else None
            measured.append({"chars": len(text), "concord": concord, "anchor": anchor})
    prefill_tps, gen_tps = _speeds(
        [m["concord"] for m in measured] + [m["anchor"] for m in measured if m["anchor"]]
    )
    out: list[Row] = []
    for m in measured:
        concord, anchor = m["concord"], m["anchor"]
        ratio = concord["wall_s"] / anchor["wall_s"] if anchor and anchor["wall_s"] else None
        beside = (
            f"anchor {anchor['wall_s']:.1f} s ({anchor['prompt_tokens']} + "
            f"{anchor['completion_tokens']})"
            if anchor
            else "anchor does not fit the context"
        )
        out.append(
            Row(
                SECTION,
                f"{m['chars']:,} characters: Concord ÷ single-call anchor",
                f"Concord {concord['wall_s']:.1f} s ({concord['chunks']} chunk(s), "
                f"{concord['calls']} calls, {concord['prompt_tokens']} prompt tokens of which "
                f"{concord['cached_tokens']} cached, {concord['completion_tokens']} generated) "
                f"vs {beside}",
                ratio=ratio,
                detail=m,
            )
        )
    per_kchar = [m["concord"]["wall_s"] / (m["chars"] / 1000) for m in measured]
    if len(per_kchar) >= 3:
        growth = per_kchar[-1] / per_kchar[1]
        out.append(
            Row(
                SECTION,
                f"growth: seconds per 1k characters at {measured[-1]['chars']:,} ÷ at "
                f"{measured[1]['chars']:,}",
                ", ".join(
                    f"{m['chars'] // 1000}k: {s:.1f} s/kchar"
                    for m, s in zip(measured, per_kchar, strict=True)
                ),
                ratio=growth,
                target="ratio ≤ 1.5 (linear)",
                met=growth <= 1.5,
            )
        )
    out.append(
        Row(
            SECTION,
            "length: llama.cpp's measured speeds in this run",
            f"prefill {prefill_tps:.1f} tok/s, generation {gen_tps:.1f} tok/s",
        )
    )
    return out


async def run(size: Size) -> list[Row]:
    """The section entry point ``python -m benchmarks`` calls (``--quick``: the 2k article)."""
    if (why := missing()) is not None:
        return [Row(SECTION, "article length", f"SKIPPED: {why}")]
    return await rows(LENGTHS[:1] if size.quick else LENGTHS)
