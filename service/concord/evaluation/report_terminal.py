"""The terminal table: one row per case and model, P/R/F1 per field, then what failed and why."""

from __future__ import annotations

from concord.evaluation.comparison import render_comparison
from concord.evaluation.precision import total
from concord.evaluation.results import CaseRun, EvalRun
from concord.evaluation.scoring import FIELDS

_WIDTHS = (24, 6, 16, 16, 16, 8, 8, 8, 11, 9)
_HEAD = ("case", "result", *FIELDS, "grounded", "copied", "unlisted", "tokens", "latency")


def _row(cells: tuple[str, ...]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, _WIDTHS, strict=True)).rstrip()


def _prf(run: CaseRun, field: str) -> str:
    score = run.score.fields[field]
    return f"{score.precision:.2f}/{score.recall:.2f}/{score.f1:.2f}"


def _cells(run: CaseRun) -> tuple[str, ...]:
    share = run.score.grounded_share
    tokens = f"{run.prompt_tokens}+{run.completion_tokens}" if run.prompt_tokens else "-"
    latency = _latency(run.latency_ms)
    return (
        run.case_id,
        "pass" if run.score.passed else "FAIL",
        *(_prf(run, field) for field in FIELDS),
        "-" if share is None else f"{share:.0%}",
        f"{run.score.precision.copied}/{run.score.precision.points}",
        f"{run.score.precision.unlisted}/{run.score.precision.points}",
        tokens,
        latency,
    )


def render_table(run: EvalRun) -> str:
    """The whole report as text: a block per model, a row per case, failures underneath; with
    several models, a side-by-side table of their totals at the end."""
    lines: list[str] = []
    for model_id in run.models():
        runs = [r for r in run.runs if r.model_id == model_id]
        versions = sorted({f"{r.prompt_version} ({r.prompt_hash})" for r in runs})
        lines.append(f"model {model_id} · prompt {', '.join(versions)} · {run.mode}")
        lines.append(_row(_HEAD) + "   (P/R/F1 per field)")
        for case_run in runs:
            lines.append(_row(_cells(case_run)))
            lines += _failures(case_run)
        passed = sum(r.score.passed for r in runs)
        counts = total(r.score.precision for r in runs)
        lines.append(
            f"points: {counts.points}, copied {counts.copied} ({counts.copied_share:.0%}), "
            f"unlisted {counts.unlisted} ({counts.unlisted_share:.0%})"
        )
        lines.append(f"{passed}/{len(runs)} case(s) passed")
        lines.append("")
    if len(run.models()) > 1:
        lines.append(render_comparison(run))
    return "\n".join(lines).rstrip() + "\n"


def _failures(run: CaseRun) -> list[str]:
    if run.error:
        return [f"    ✗ error: {run.error}"]
    return [
        f"    ✗ {r.id}: {r.reason}" for r in run.score.expectations if r.required and not r.passed
    ]


def _latency(ms: float | None) -> str:
    if not ms:
        return "-"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"
