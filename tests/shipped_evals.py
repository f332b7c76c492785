"""The project's own eval suite, found from this checkout rather than the working directory
(``concord eval`` itself reads ``./evals/`` of wherever it runs)."""

from __future__ import annotations

from pathlib import Path

EVALS = Path(__file__).resolve().parents[1] / "evals"
CASES_DIR = EVALS / "cases"
CASSETTES_DIR = EVALS / "cassettes"
BASELINE_PATH = EVALS / "baseline.json"
# The single-pass v2 recordings of both embedded models, kept beside the default's.
HISTORY = EVALS / "history" / "summarise-v2"
