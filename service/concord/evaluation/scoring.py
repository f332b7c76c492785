"""Score one summary against one case's expectations.

Matching rules, all case- and white-space-insensitive (quotes and dashes folded as grounding does):

- a participant alias matches a predicted name when it equals the name or is a whole-word part
  of it ("Lavrov" matches "Sergei Lavrov"); ``role`` keywords are looked for in the predicted
  role and affiliation;
- a keyword matches where a word starts, so "cooperat" finds "cooperation" but "isis" does not
  find "crisis"; a point's every keyword group must match the statement/topic, the
  parties/positions or the evidence quotes of *one* predicted item.

Predicted items are aligned one-to-one to expectations, best match first (greedy). A required
expectation aligned to a full match is a true positive; a predicted item left unaligned, or
aligned only partly, is a false positive (optional expectations absorb their items, so listing
them costs nothing); forbidden names are false positives whatever else they match.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TypeVar

from concord.evaluation.cases import Case, ExpectationKind, ItemExpectation, point_name
from concord.evaluation.matching import keyword_in, name_matches
from concord.evaluation.precision import PrecisionCounts, count_copied
from concord.evaluation.results import CaseScore, ExpectationResult, FieldScore
from concord.schema import Agreement, Disagreement, Participant, Summary

__all__ = ["FIELDS", "field_score", "keyword_in", "name_matches", "score_case"]

FIELDS = ("participants", "agreements", "disagreements")
Item = TypeVar("Item")


def _align(quality: list[list[float]], required: int) -> dict[int, tuple[int, float]]:
    """Greedy one-to-one alignment: expectation index → (item index, quality).

    Rows ``< required`` are required expectations, the rest optional; optional ones take only
    full matches. Ties go to required expectations, then to document order.
    """
    pairs = [
        (q, e >= required, e, p)
        for e, row in enumerate(quality)
        for p, q in enumerate(row)
        if q > 0 and (e < required or q >= 1.0)
    ]
    pairs.sort(key=lambda t: (-t[0], t[1], t[2], t[3]))
    taken_e: dict[int, tuple[int, float]] = {}
    taken_p: set[int] = set()
    for q, _, e, p in pairs:
        if e not in taken_e and p not in taken_p:
            taken_e[e] = (p, q)
            taken_p.add(p)
    return taken_e


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def field_score(predicted: int, tp: int, fp: int, fn: int) -> FieldScore:
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return FieldScore(
        predicted=predicted,
        tp=tp,
        fp=fp,
        fn=fn,
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
    )


def _unique(results: list[ExpectationResult], base: str) -> str:
    taken = {r.id for r in results}
    if base not in taken:
        return base
    n = 2
    while f"{base} #{n}" in taken:
        n += 1
    return f"{base} #{n}"


def _count_check(
    field: str, n: int, low: int | None, high: int | None, out: list[ExpectationResult]
) -> None:
    if low is None and high is None:
        return
    ok = (low is None or n >= low) and (high is None or n <= high)
    bounds = " and ".join(
        b
        for b in (
            f"at least {low}" if low is not None else "",
            f"at most {high}" if high is not None else "",
        )
        if b
    )
    reason = f"{n} predicted, expected {bounds}"
    out.append(
        ExpectationResult(
            id=f"{field}.count", field=field, kind="count", required=True, passed=ok, reason=reason
        )
    )


def _score_participants(
    case: Case, items: Sequence[Participant], out: list[ExpectationResult]
) -> FieldScore:
    spec = case.expected.participants
    forbidden = {
        i for i, item in enumerate(items) if any(name_matches(f, item.name) for f in spec.forbidden)
    }
    tp, fn, absorbed = _judge(
        "participants",
        required=spec.required,
        optional=spec.optional,
        items=items,
        names=[p.name for p in items],
        out=out,
        excluded=forbidden,
    )
    fp = len(items) - tp - absorbed
    _count_check("participants", len(items), spec.min, spec.max, out)
    return field_score(len(items), tp, fp, fn)


def _judge(
    field: str,
    *,
    required: Sequence[ItemExpectation[Item]],
    optional: Sequence[ItemExpectation[Item]],
    items: Sequence[Item],
    names: list[str],
    out: list[ExpectationResult],
    excluded: Collection[int] = (),
) -> tuple[int, int, int]:
    """Record a result per expectation; return (true positives, misses, optional items).

    Items at an ``excluded`` index match nothing (a forbidden participant)."""
    expectations = [*required, *optional]
    quality = [
        [0.0 if i in excluded else expected.score(item) for i, item in enumerate(items)]
        for expected in expectations
    ]
    aligned = _align(quality, len(required))
    tp = fn = absorbed = 0
    for e, expected in enumerate(expectations):
        is_required = e < len(required)
        kind: ExpectationKind = "required" if is_required else "optional"
        match = aligned.get(e)
        if match is not None and match[1] >= 1.0:
            passed, reason = True, f"matched {names[match[0]]!r}"
            tp += is_required
            absorbed += not is_required
        elif match is not None:
            passed = False
            reason = expected.explain_miss(items[match[0]], field)
        elif (near := _nearest(quality[e])) is not None:
            # Something came close but was aligned elsewhere: say what, not "nothing".
            passed, reason = False, expected.explain_miss(items[near], field)
        else:
            passed, reason = False, expected.explain_absent(field)
        fn += is_required and not passed
        out.append(
            ExpectationResult(
                id=_unique(out, f"{field}.{kind}:{expected.label}"),
                field=field,
                kind=kind,
                required=is_required,
                passed=passed,
                reason=reason,
            )
        )
    return tp, fn, absorbed


def _nearest(row: list[float]) -> int | None:
    """The item that best (partly) matches one expectation, if any does at all."""
    best = max(range(len(row)), key=row.__getitem__, default=None)
    return best if best is not None and row[best] > 0 else None


def _score_points(
    case: Case, field: str, items: Sequence[Agreement | Disagreement], out: list[ExpectationResult]
) -> FieldScore:
    spec = case.expected.agreements if field == "agreements" else case.expected.disagreements
    tp, fn, absorbed = _judge(
        field,
        required=spec.required,
        optional=spec.optional,
        items=items,
        names=[point_name(item) for item in items],
        out=out,
    )
    _count_check(field, len(items), spec.min, spec.max, out)
    return field_score(len(items), tp, len(items) - tp - absorbed, fn)


def _unlisted(case: Case, field: str, items: Sequence[Agreement | Disagreement]) -> int:
    """Predicted points that fully match no expectation of their kind, required or optional;
    every one of them where the case allows none of that kind."""
    spec = case.expected.agreements if field == "agreements" else case.expected.disagreements
    if spec.max == 0:
        return len(items)
    expectations = [*spec.required, *spec.optional]
    return sum(all(e.score(item) < 1.0 for e in expectations) for item in items)


def _precision(case: Case, summary: Summary) -> PrecisionCounts:
    return PrecisionCounts(
        points=len(summary.agreements) + len(summary.disagreements),
        copied=count_copied(summary, case.article),
        unlisted=_unlisted(case, "agreements", summary.agreements)
        + _unlisted(case, "disagreements", summary.disagreements),
    )


def _forbidden_checks(
    case: Case, summary: Summary | None, out: list[ExpectationResult]
) -> list[str]:
    """Forbidden names must appear nowhere: not as participants, parties or positions."""
    hits: list[str] = []
    spec = case.expected.participants
    names: list[str] = []
    if summary is not None:
        names += [p.name for p in summary.participants]
        names += [party for a in summary.agreements for party in a.parties]
        names += [pos.party for d in summary.disagreements for pos in d.positions]
    for forbidden in spec.forbidden:
        found = sorted({n for n in names if name_matches(forbidden, n)})
        hits += found
        reason = f"appears as {found}" if found else "absent"
        if summary is None:
            reason = "no summary to check"
        out.append(
            ExpectationResult(
                id=_unique(out, f"participants.forbidden:{forbidden}"),
                field="participants",
                kind="forbidden",
                required=True,
                passed=summary is not None and not found,
                reason=reason,
            )
        )
    return hits


def score_case(
    case: Case, summary: Summary | None, grounded_share: float | None, error: str | None = None
) -> CaseScore:
    """Judge every expectation of ``case`` and compute per-field precision, recall and F1.

    ``summary`` is None when the summarise call failed: then every expectation fails with
    ``error`` as its reason, every F1 is 0, and the case fails without raising.
    """
    if summary is None:
        empty = score_case(case, Summary(participants=[], agreements=[], disagreements=[]), None)
        reason = f"no summary: {error or 'the summarise call failed'}"
        return empty.model_copy(
            update={
                "passed": False,
                "error": error or "the summarise call failed",
                "expectations": [
                    r.model_copy(update={"passed": False, "reason": reason})
                    for r in empty.expectations
                ],
                "fields": {
                    f: FieldScore(predicted=0, tp=0, fp=0, fn=s.fn, precision=0, recall=0, f1=0)
                    for f, s in empty.fields.items()
                },
            }
        )
    out: list[ExpectationResult] = []
    fields = {
        "participants": _score_participants(case, summary.participants, out),
        "agreements": _score_points(case, "agreements", summary.agreements, out),
        "disagreements": _score_points(case, "disagreements", summary.disagreements, out),
    }
    hits = _forbidden_checks(case, summary, out)
    minimum = case.expected.grounding.min_share
    if minimum > 0:
        share = grounded_share or 0.0
        out.append(
            ExpectationResult(
                id="grounding.min_share",
                field="grounding",
                kind="grounding",
                required=True,
                passed=share >= minimum,
                reason=f"{share:.0%} of quotes grounded, need {minimum:.0%}",
            )
        )
    return CaseScore(
        case_id=case.id,
        passed=all(r.passed for r in out if r.required),
        expectations=out,
        fields=fields,
        grounded_share=grounded_share,
        forbidden_hits=hits,
        error=error,
        precision=_precision(case, summary),
    )
