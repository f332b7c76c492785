"""The CI gate: a committed baseline of scores, and the diff that turns a drop red.

``evals/baseline.json`` holds, per provider:model and per case, pass/fail for every expectation,
the F1 of each field, the grounded share, and how many points were copied or unlisted.
``concord eval --gate`` fails when a case that passed now fails, a passing expectation fails,
any score drops, or more points are copied or unlisted than before; in a run of every recorded
model, a model of the baseline that was not replayed fails it too. The baseline only changes
through ``concord eval --update-baseline``, so every change to it shows up in review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concord.evaluation.results import CaseRun, EvalRun
from concord.evaluation.scoring import FIELDS

_EPSILON = 1e-9


def case_entry(run: CaseRun) -> dict[str, Any]:
    score = run.score
    return {
        "passed": score.passed,
        "expectations": {r.id: r.passed for r in score.expectations},
        "f1": {name: score.fields[name].f1 for name in FIELDS},
        "grounded_share": None if score.grounded_share is None else round(score.grounded_share, 4),
        "copied": score.precision.copied,
        "unlisted": score.precision.unlisted,
    }


def build_baseline(run: EvalRun) -> dict[str, Any]:
    models: dict[str, Any] = {}
    for case_run in run.runs:
        entry = models.setdefault(
            case_run.model_id, {"prompt_version": case_run.prompt_version, "cases": {}}
        )
        entry["cases"][case_run.case_id] = case_entry(case_run)
    return {"version": 1, "models": models}


def write_baseline(run: EvalRun, path: Path) -> None:
    """Rewrite the baseline from ``run``; models not in ``run`` keep their old entries."""
    old: dict[str, Any] = load_baseline(path) if path.is_file() else {"version": 1}
    models: dict[str, Any] = old.setdefault("models", {})
    for model_id, entry in build_baseline(run)["models"].items():
        kept = models.get(model_id, {}).get("cases", {})
        models[model_id] = {**entry, "cases": {**kept, **entry["cases"]}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(old, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_baseline(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@dataclass
class GateResult:
    regressions: dict[str, list[str]] = field(default_factory=dict)  # "model / case" → lines
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.regressions

    def render(self, baseline_path: Path) -> str:
        count = sum(len(lines) for lines in self.regressions.values())
        if self.passed:
            head = f"gate: passed — no regression against {baseline_path}"
        else:
            head = f"gate: FAILED — {count} regression(s) against {baseline_path}"
        lines = [head]
        for where, items in self.regressions.items():
            lines.append(f"  {where}")
            lines += [f"    - {item}" for item in items]
        lines += [f"  note: {note}" for note in self.notes]
        if not self.passed:
            lines.append(
                "  if the change is intended, rewrite the baseline: concord eval --update-baseline"
            )
        return "\n".join(lines)


def _compare_case(base: dict[str, Any], run: CaseRun) -> list[str]:
    now = case_entry(run)
    problems = []
    if base.get("passed") and not now["passed"]:
        problems.append("case passed before, now FAILS" + (f" ({run.error})" if run.error else ""))
    reasons = {r.id: r.reason for r in run.score.expectations}
    for key, was in base.get("expectations", {}).items():
        if was and not now["expectations"].get(key, False):
            why = reasons.get(key, "expectation no longer exists")
            problems.append(f"expectation {key!r}: passed → FAILS ({why})")
    for name, was_f1 in base.get("f1", {}).items():
        is_f1 = now["f1"].get(name, 0.0)
        if is_f1 < was_f1 - _EPSILON:
            problems.append(f"{name} F1 {was_f1:.3f} → {is_f1:.3f}")
    for name in ("copied", "unlisted"):  # precision is gated like recall: more is worse
        was_count = base.get(name)
        if was_count is not None and now[name] > was_count:
            problems.append(f"{name} points {was_count} → {now[name]}")
    was_share, is_share = base.get("grounded_share"), now["grounded_share"]
    if was_share is not None and (is_share is None or is_share < was_share - _EPSILON):
        shown = "none" if is_share is None else f"{is_share:.0%}"
        problems.append(f"grounded share {was_share:.0%} → {shown}")
    return problems


def gate(
    run: EvalRun,
    baseline: dict[str, Any],
    selected_cases: list[str] | None,
    *,
    every_model: bool = False,
) -> GateResult:
    """Compare ``run`` to ``baseline``: every drop is a regression, every gain a note.

    ``every_model`` says the run meant to cover every recorded model (no ``--model`` or
    ``--providers``), so a baseline model missing from it has lost its cassettes.
    """
    result = GateResult()
    by_key = {(r.model_id, r.case_id): r for r in run.runs}
    if every_model:
        for model_id in baseline.get("models", {}):
            if model_id not in run.models():
                result.regressions[model_id] = [
                    "model is in the baseline but nothing was replayed (cassettes removed?)"
                ]
    for model_id in run.models():
        entry = baseline.get("models", {}).get(model_id)
        if entry is None:
            result.notes.append(f"{model_id} has no baseline yet (concord eval --update-baseline)")
            continue
        for case_id, base in entry.get("cases", {}).items():
            case_run = by_key.get((model_id, case_id))
            if case_run is None:
                if selected_cases is None:
                    result.regressions[f"{model_id} / {case_id}"] = [
                        "case is in the baseline but was not run (folder removed?)"
                    ]
                continue
            problems = _compare_case(base, case_run)
            if problems:
                result.regressions[f"{model_id} / {case_id}"] = problems
            elif case_entry(case_run) != base:
                result.notes.append(
                    f"{model_id} / {case_id} improved; lock it in with --update-baseline"
                )
        for case_run in run.runs:
            if case_run.model_id == model_id and case_run.case_id not in entry.get("cases", {}):
                result.notes.append(f"{model_id} / {case_run.case_id} is new: not in the baseline")
    return result
