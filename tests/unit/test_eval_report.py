"""The eval reports: quotes highlighted at their offsets, everything escaped, a readable table."""

from __future__ import annotations

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
