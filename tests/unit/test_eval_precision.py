"""Precision beside recall: points copied from the article, points no expectation lists."""

from __future__ import annotations

from pathlib import Path

from concord.evaluation.cases import Case, parse_expectations
from concord.evaluation.scoring import score_case
from concord.own_words import article_runs, is_copied
from concord.schema import Agreement, Disagreement, Position, Summary

ARTICLE = (
    "Port Averin and Coastline Buses signed a three-year contract on Wednesday to run night "
    "buses on six routes from October. The council refused the fare increase the company wants."
)
EXPECTED = """
agreements:
  required:
    - label: night-bus contract
      groups: [[contract, deal], [night bus, night-bus, night]]
  optional:
    - label: routes from October
      groups: [[october]]
disagreements:
  required:
    - label: fare increase
      groups: [[fare]]
"""


def _case(expected: str = EXPECTED) -> Case:
    return Case("demo", ARTICLE, parse_expectations(expected, Path("expected.yaml")), Path("."))


def _summary(agreements: list[Agreement], disagreements: list[Disagreement]) -> Summary:
    return Summary(participants=[], agreements=agreements, disagreements=disagreements)


def _agreement(statement: str) -> Agreement:
    return Agreement(statement=statement, parties=["Port Averin", "Coastline Buses"], evidence=[])


def _disagreement(topic: str, position: str) -> Disagreement:
    return Disagreement(
        topic=topic, positions=[Position(party="Port Averin", position=position)], evidence=[]
    )


def test_eight_words_in_a_row_from_the_article_are_a_copy_seven_are_not() -> None:
    runs = article_runs(ARTICLE)
    assert is_copied("they signed a three-year contract on Wednesday to run", runs)
    assert not is_copied("signed a three-year contract on Wednesday", runs)  # seven words
    # folded like grounding folds: case and quote marks do not hide a copy
    assert is_copied("SIGNED A THREE-YEAR CONTRACT ON WEDNESDAY TO RUN", runs)


def test_a_copied_statement_or_position_counts_once_per_point() -> None:
    summary = _summary(
        [
            _agreement("signed a three-year contract on Wednesday to run night buses"),
            _agreement("a night-bus contract"),
        ],
        [_disagreement("fare rise", "The council refused the fare increase the company wants.")],
    )
    precision = score_case(_case(), summary, 1.0).precision
    assert (precision.points, precision.copied) == (3, 2)


def test_a_point_that_matches_no_expectation_is_unlisted_an_optional_one_is_not() -> None:
    summary = _summary(
        [_agreement("night-bus contract"), _agreement("routes from October"), _agreement("a ball")],
        [_disagreement("fare rise", "refuses"), _disagreement("parking", "wants more")],
    )
    precision = score_case(_case(), summary, 1.0).precision
    assert (precision.points, precision.unlisted) == (5, 2)  # "a ball" and "parking"


def test_on_a_case_that_allows_none_every_point_of_that_kind_is_unlisted() -> None:
    expected = EXPECTED.replace("agreements:\n", "agreements:\n  max: 0\n", 1)
    summary = _summary([_agreement("night-bus contract")], [_disagreement("fare", "refuses")])
    assert score_case(_case(expected), summary, 1.0).precision.unlisted == 1
