"""The eval reports: quotes highlighted at their offsets, everything escaped, a readable table."""

from __future__ import annotations

from pathlib import Path

import yaml

from concord.evaluation.cassettes import Outcome
from concord.evaluation.report_html import highlight
from concord.grounding import ground_summary
from concord.schema import ModelParticipant, ModelSummary

ARTICLE = 'Officials met. <script>alert(1)</script> "We agree," said Ana & Bo.'


def test_grounded_quotes_are_marked_and_the_article_is_escaped() -> None:
    output = ModelSummary(
        participants=[ModelParticipant(name="Ana", role="x", affiliation="y", quotes=["We agree"])],
        agreements=[],
        disagreements=[],
    )
    summary, _ = ground_summary(output, ARTICLE)
    html = highlight(ARTICLE, summary)
    assert '<mark title="participant: Ana">We agree</mark>' in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Ana &amp; Bo." in html


def test_without_a_summary_the_article_is_only_escaped() -> None:
    assert highlight("a < b", None) == "a &lt; b"


def test_cassettes_recorded_before_calls_was_named_so_still_replay_their_count() -> None:
    """Committed cassettes say ``attempts``; they are never edited, so the name stays readable."""
    history = Path(__file__).resolve().parents[2] / "evals" / "history" / "summarise-v3"
    path = next(history.glob("*/permit-refusal.yaml"))
    recorded = yaml.safe_load(path.read_text())["concord"]["outcome"]
    assert "attempts" in recorded  # the old spelling, as committed
    outcome = Outcome.model_validate(recorded)
    assert outcome.calls == recorded["attempts"] > 0
    assert "calls" in outcome.model_dump()
    assert "attempts" not in outcome.model_dump()
