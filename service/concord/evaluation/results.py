"""The shapes of eval results: per expectation, per field, per case, per run.

``EvalRun`` is what ``reports/eval-results.json`` holds; the terminal table, the HTML report and
the baseline are all made from it. Every case run names the prompt version and the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from concord.evaluation.cases import ExpectationKind
from concord.evaluation.precision import PrecisionCounts
from concord.schema import SummaryResult


class ExpectationResult(BaseModel):
    id: str  # stable within a case: the baseline is keyed on it
    field: str
    kind: ExpectationKind
    required: bool  # counts toward the case passing
    passed: bool
    reason: str


class FieldScore(BaseModel):
    predicted: int
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float


class CaseScore(BaseModel):
    case_id: str
    passed: bool
    expectations: list[ExpectationResult]
    fields: dict[str, FieldScore]
    grounded_share: float | None
    forbidden_hits: list[str]
    error: str | None = None
    # copied / unlisted points (evaluation/precision.py); all zero when there is no summary
    precision: PrecisionCounts = PrecisionCounts()


class CaseRun(BaseModel):
    """One case summarised by one model, live or replayed, and its score."""

    case_id: str
    model_id: str  # provider:model
    provider: str
    model: str
    prompt_version: str
    prompt_hash: str
    mode: Literal["record", "replay"]
    recorded_at: str | None = None
    latency_ms: float | None = None  # as recorded, also on replay
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    options: dict[str, Any] = {}  # the pipeline options it was recorded with (max_tokens…)
    result: SummaryResult | None = None
    error: str | None = None
    score: CaseScore


class EvalRun(BaseModel):
    """Everything one ``concord eval`` produced."""

    created_at: str
    mode: Literal["record", "replay"]
    runs: list[CaseRun]

    def models(self) -> list[str]:
        return list(dict.fromkeys(run.model_id for run in self.runs))

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
