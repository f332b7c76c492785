"""Models side by side: one column per provider:model, the numbers a reader compares.

``concord eval --providers a,b`` replays the same cases for several models; the per-case blocks
say what each got wrong, this says which to pick: how many cases passed, the mean F1 of each
field, the grounded share, and what each answer cost in seconds and tokens (as recorded live,
so on the recording machine). The terminal table and the HTML report both draw from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from concord.evaluation.precision import PrecisionCounts, total
from concord.evaluation.results import CaseRun, EvalRun
from concord.evaluation.scoring import FIELDS


@dataclass(frozen=True, slots=True)
class ModelColumn:
    """One model's totals over the cases it has recordings for (a case never recorded for it
    is counted apart, not as a zero that would drag its means down)."""

    model_id: str
    prompt_versions: tuple[str, ...]
    all_runs: tuple[CaseRun, ...]

    @property
    def runs(self) -> tuple[CaseRun, ...]:
        """The runs replayed from (or recorded into) a cassette."""
        return tuple(run for run in self.all_runs if run.recorded_at is not None)

    @property
    def passed(self) -> int:
        return sum(run.score.passed for run in self.runs)

    def mean_f1(self, field: str | None = None) -> float | None:
        """Mean over cases of one field's F1, or of all fields' when ``field`` is None."""
        fields = FIELDS if field is None else (field,)
        scores = [run.score.fields[f].f1 for run in self.runs for f in fields]
        return fmean(scores) if scores else None

    @property
    def grounded_share(self) -> float | None:
        """Mean grounded share over the cases that produced a summary."""
        shares = [r.score.grounded_share for r in self.runs if r.score.grounded_share is not None]
        return fmean(shares) if shares else None

    @property
    def seconds_per_case(self) -> float | None:
        seconds = [(run.latency_ms or 0) / 1000 for run in self.runs]
        return fmean(seconds) if seconds else None

    @property
    def tokens_per_summary(self) -> tuple[float, float] | None:
        """Mean prompt and completion tokens over the cases that produced a summary, every
        attempt included (a failed recording keeps its latency but not its token counts)."""
        counted = [run for run in self.runs if run.prompt_tokens or run.completion_tokens]
        if not counted:
            return None
        return (
            fmean(run.prompt_tokens for run in counted),
            fmean(run.completion_tokens for run in counted),
        )

    @property
    def precision(self) -> PrecisionCounts:
        """Points, copied and unlisted, summed over the recorded cases."""
        return total(run.score.precision for run in self.runs)

    def case(self, case_id: str) -> CaseRun | None:
        return next((run for run in self.all_runs if run.case_id == case_id), None)


def columns(run: EvalRun) -> list[ModelColumn]:
    """A column per model, in the order the models were run."""
    found = []
    for model_id in run.models():
        runs = tuple(r for r in run.runs if r.model_id == model_id)
        versions = tuple(sorted({r.prompt_version for r in runs}))
        found.append(ModelColumn(model_id, versions, runs))
    return found


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _budget(column: ModelColumn) -> str:
    """The token cap and tries each answer had, as recorded (a model that loops to its cap
    may be recorded with a smaller one, to keep recording affordable)."""
    budgets = sorted(
        {
            f"{r.options['max_tokens']} × {r.options['max_attempts']}"
            for r in column.runs
            if "max_tokens" in r.options and "max_attempts" in r.options
        }
    )
    return ", ".join(budgets) or "-"


def _counted(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "0/0"


def _tokens(column: ModelColumn) -> str:
    tokens = column.tokens_per_summary
    return "-" if tokens is None else f"{tokens[0]:.0f} + {tokens[1]:.0f}"


def _case_cell(run: CaseRun | None) -> str:
    if run is None:
        return "not run"
    if run.recorded_at is None:
        return "not recorded"
    verdict = "pass" if run.score.passed else "FAIL"
    mean = fmean(run.score.fields[f].f1 for f in FIELDS)
    return f"{verdict} · F1 {mean:.2f}"


def comparison_rows(run: EvalRun) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The header (model ids) and the labelled rows of the side-by-side table, as text cells."""
    cols = columns(run)
    rows: list[tuple[str, list[str]]] = [
        ("prompt", [", ".join(c.prompt_versions) for c in cols]),
        ("max tokens × tries", [_budget(c) for c in cols]),
        ("cases recorded", [f"{len(c.runs)}/{len(c.all_runs)}" for c in cols]),
        ("cases passed", [f"{c.passed}/{len(c.runs)}" for c in cols]),
        *((f"{field} F1", [_number(c.mean_f1(field), 2) for c in cols]) for field in FIELDS),
        ("mean F1", [_number(c.mean_f1(), 2) for c in cols]),
        ("grounded share", [_share(c.grounded_share) for c in cols]),
        ("copied points", [_counted(c.precision.copied, c.precision.points) for c in cols]),
        ("unlisted points", [_counted(c.precision.unlisted, c.precision.points) for c in cols]),
        ("seconds per case", [_number(c.seconds_per_case, 1) for c in cols]),
        ("tokens per summary", [_tokens(c) for c in cols]),
    ]
    case_ids = list(dict.fromkeys(r.case_id for r in run.runs))
    rows += [(case_id, [_case_cell(c.case(case_id)) for c in cols]) for case_id in case_ids]
    return [c.model_id for c in cols], rows


def render_comparison(run: EvalRun) -> str:
    """The side-by-side table as text: a row per measure, a column per model."""
    header, rows = comparison_rows(run)
    label_width = max(len(label) for label, _ in rows)
    widths = [
        max(len(model), *(len(cells[i]) for _, cells in rows)) for i, model in enumerate(header)
    ]

    def line(label: str, cells: list[str]) -> str:
        padded = "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True))
        return f"{label.ljust(label_width)}  {padded}".rstrip()

    title = "side by side (means over each model's recorded cases; seconds and tokens as recorded)"
    return "\n".join([title, line("", header), *(line(label, cells) for label, cells in rows)])
