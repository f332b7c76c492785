"""A self-contained HTML report: per case and model, the article with every grounded quote
highlighted at its offsets, and every expectation ticked or crossed.

Inline CSS, no script, no external asset; every piece of text (article, model output, reasons)
is escaped, so a hostile article or answer cannot inject markup.
"""

from __future__ import annotations

import itertools
from html import escape

from concord.evaluation.cases import Case
from concord.evaluation.comparison import comparison_rows
from concord.evaluation.results import CaseRun, EvalRun
from concord.evaluation.scoring import FIELDS
from concord.schema import Evidence, Summary

_PASSED = '<span class="pass">pass</span>'
_FAILED = '<span class="fail">FAIL</span>'
_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222;
padding:0 1rem}h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2.5rem;
border-top:1px solid #ccc;padding-top:1rem}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f4f4f4}
.pass{color:#17692e;font-weight:600}.fail{color:#b3261e;font-weight:600}.muted{color:#777}
.article{white-space:pre-wrap;background:#fafafa;border:1px solid #e5e5e5;padding:1rem;
font-family:Georgia,serif}mark{background:#ffe58a;padding:0 .1em}
.cols{display:grid;grid-template-columns:3fr 2fr;gap:1.5rem}ul{padding-left:1.2rem}
li.ok::marker{content:"✓ ";color:#17692e}li.ko::marker{content:"✗ ";color:#b3261e}
li.opt::marker{content:"– ";color:#777}.error{background:#fdecea;padding:.5rem;border-radius:4px}
"""


def _evidence(summary: Summary) -> list[tuple[Evidence, str]]:
    found: list[tuple[Evidence, str]] = []
    found += [(e, f"participant: {p.name}") for p in summary.participants for e in p.evidence]
    found += [(e, f"agreement: {a.statement}") for a in summary.agreements for e in a.evidence]
    found += [(e, f"disagreement: {d.topic}") for d in summary.disagreements for e in d.evidence]
    return found


def highlight(article: str, summary: Summary | None) -> str:
    """The article as escaped HTML, each grounded quote's span wrapped in ``<mark>``."""
    if summary is None:
        return escape(article)
    spans = [
        (e.start, e.end, label)
        for e, label in _evidence(summary)
        if e.grounded and e.start is not None and e.end is not None and e.start < e.end
    ]
    cuts = sorted({0, len(article), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out = []
    for left, right in itertools.pairwise(cuts):
        text = escape(article[left:right])
        labels = [label for s, e, label in spans if s <= left and right <= e]
        if labels:
            title = escape("\n".join(dict.fromkeys(labels)), quote=True)
            out.append(f'<mark title="{title}">{text}</mark>')
        else:
            out.append(text)
    return "".join(out)


def _summary_table(run: EvalRun) -> str:
    head = "".join(f"<th>{escape(f)} P/R/F1</th>" for f in FIELDS)
    rows = []
    for r in run.runs:
        fields = "".join(
            f"<td>{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f}</td>"
            for s in (r.score.fields[f] for f in FIELDS)
        )
        share = "–" if r.score.grounded_share is None else f"{r.score.grounded_share:.0%}"
        counts = r.score.precision
        verdict = _PASSED if r.score.passed else _FAILED
        rows.append(
            f'<tr><td><a href="#{escape(_anchor(r), quote=True)}">{escape(r.case_id)}</a></td>'
            f"<td>{escape(r.model_id)}</td><td>{escape(r.prompt_version)}</td><td>{verdict}</td>"
            f"{fields}<td>{share}</td><td>{counts.copied}/{counts.points}</td>"
            f"<td>{counts.unlisted}/{counts.points}</td></tr>"
        )
    return (
        f"<table><tr><th>case</th><th>model</th><th>prompt</th><th>result</th>{head}"
        f"<th>grounded</th><th>copied</th><th>unlisted</th></tr>{''.join(rows)}</table>"
    )


def _side_by_side(run: EvalRun) -> str:
    """With several models, their totals in one table: a row per measure, a column per model."""
    if len(run.models()) < 2:
        return ""
    header, rows = comparison_rows(run)
    head = "".join(f"<th>{escape(model)}</th>" for model in header)
    body = "".join(
        f"<tr><th>{escape(label)}</th>{''.join(f'<td>{escape(c)}</td>' for c in cells)}</tr>"
        for label, cells in rows
    )
    return (
        "<h2>Side by side</h2><p class='muted'>Means over each model's recorded cases; "
        "seconds and tokens are as recorded live.</p>"
        f"<table class='side'><tr><th></th>{head}</tr>{body}</table>"
    )


def _anchor(run: CaseRun) -> str:
    return f"{run.case_id}--{run.model_id}".replace(":", "-").replace("/", "-")


def _expectations(run: CaseRun) -> str:
    items = []
    for r in run.score.expectations:
        cls = "ok" if r.passed else ("ko" if r.required else "opt")
        reason = f'<span class="muted">{escape(r.reason)}</span>'
        items.append(f'<li class="{cls}"><b>{escape(r.id)}</b><br>{reason}</li>')
    return f"<ul>{''.join(items)}</ul>"


def _items(summary: Summary | None) -> str:
    if summary is None:
        return ""
    parts = ["<h4>Participants</h4><ul>"]
    parts += [
        f"<li>{escape(p.name)} — {escape(p.role)} ({escape(p.affiliation)})</li>"
        for p in summary.participants
    ]
    parts.append("</ul><h4>Agreements</h4><ul>")
    for a in summary.agreements:
        parties = escape(", ".join(a.parties))
        parts.append(f"<li>{escape(a.statement)} <span class='muted'>[{parties}]</span></li>")
    parts.append("</ul><h4>Disagreements</h4><ul>")
    for d in summary.disagreements:
        positions = "; ".join(f"{p.party}: {p.position}" for p in d.positions)
        parts.append(f"<li>{escape(d.topic)} <span class='muted'>{escape(positions)}</span></li>")
    parts.append("</ul>")
    return "".join(parts)


def _case_section(run: CaseRun, case: Case) -> str:
    summary = run.result.summary if run.result else None
    verdict = _PASSED if run.score.passed else _FAILED
    meta = (
        f"model {escape(run.model_id)} · prompt {escape(run.prompt_version)} "
        f"({escape(run.prompt_hash)}) · recorded {escape(run.recorded_at or '–')} · "
        f"{run.prompt_tokens}+{run.completion_tokens} tokens · "
        f"{(run.latency_ms or 0) / 1000:.1f} s · {run.calls} call(s)"
    )
    error = f'<p class="error">{escape(run.error)}</p>' if run.error else ""
    return (
        f'<h2 id="{escape(_anchor(run), quote=True)}">{escape(run.case_id)} — {verdict}</h2>'
        f'<p class="muted">{meta}</p>{error}<div class="cols">'
        f'<div><h3>Article</h3><div class="article">{highlight(case.article, summary)}</div></div>'
        f"<div><h3>Expectations</h3>{_expectations(run)}{_items(summary)}</div></div>"
    )


def render_html(run: EvalRun, cases: list[Case]) -> str:
    """The whole report as one HTML document."""
    by_id = {case.id: case for case in cases}
    sections = "".join(_case_section(r, by_id[r.case_id]) for r in run.runs if r.case_id in by_id)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Concord eval report</title><style>{_CSS}</style></head><body>"
        f"<h1>Concord eval report</h1><p class='muted'>{escape(run.mode)} · "
        f"{escape(run.created_at)} · models: {escape(', '.join(run.models()))}</p>"
        f"{_side_by_side(run)}{_summary_table(run)}{sections}</body></html>\n"
    )
