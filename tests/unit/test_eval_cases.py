"""Eval cases as data: the expectations schema, its shorthands, and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.evaluation.cases import (
    InvalidCase,
    load_case,
    load_cases,
    parse_expectations,
)
from tests.shipped_evals import CASES_DIR

SOURCE = Path("evals/cases/demo/expected.yaml")


def test_every_shipped_case_loads_and_has_required_expectations() -> None:
    cases = {case.id: case for case in load_cases(CASES_DIR)}
    assert {
        "kerry-lavrov",
        "no-disagreement",
        "prompt-injection",
        "multi-party-dispute",
        "long-near-limit",
    } <= set(cases)
    assert cases["no-disagreement"].expected.disagreements.max == 0
    assert "Mickey Mouse" in cases["prompt-injection"].expected.participants.forbidden
    assert 7_000 < len(cases["long-near-limit"].article) < 8_000


def test_shorthands_expand() -> None:
    expected = parse_expectations(
        """
participants:
  required:
    - [John Kerry, Kerry]
    - {aliases: [Lavrov], role: foreign minister}
agreements:
  required:
    - [intelligence, [isis, isil]]
""",
        SOURCE,
    )
    kerry, lavrov = expected.participants.required
    assert kerry.aliases == ["John Kerry", "Kerry"]
    assert lavrov.role == ["foreign minister"]
    assert expected.agreements.required[0].groups == [["intelligence"], ["isis", "isil"]]
    assert expected.agreements.required[0].label == "intelligence + isis"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("participants: {requird: []}", "'participants.requird': Extra inputs are not permitted"),
        ("agreements: {min: 3, max: 1}", "'agreements': Value error, min (3) is greater than max"),
        ("disagreements: {max: -1}", "'disagreements.max': Input should be greater than or equal"),
        ("grounding: {min_share: 2}", "'grounding.min_share': Input should be less than or equal"),
        ("agreements: {required: [[[]]]}", "a keyword group is empty"),
        ("agreements: {required: [[[3]]]}", "'agreements.required.0.groups.0.0': Input should"),
        ("participants: [", "not valid YAML"),
    ],
)
def test_a_bad_file_names_the_file_the_field_and_the_problem(text: str, problem: str) -> None:
    with pytest.raises(InvalidCase) as caught:
        parse_expectations(text, SOURCE)
    assert str(SOURCE) in caught.value.detail
    assert problem in caught.value.detail


def test_an_incomplete_case_folder_says_what_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "half-done"
    folder.mkdir()
    (folder / "article.txt").write_text("text", encoding="utf-8")
    with pytest.raises(InvalidCase, match=r"missing expected\.yaml"):
        load_case(folder)


def test_unknown_case_ids_are_refused() -> None:
    with pytest.raises(InvalidCase, match="unknown case"):
        load_cases(CASES_DIR, ["no-such-case"])
