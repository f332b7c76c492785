"""Grounding: every quote is looked up in the article; offsets point at what was found."""

from hypothesis import given, settings
from hypothesis import strategies as st

from concord.grounding import Grounder, _trim, fold, ground_summary, normalise
from concord.schema import ModelAgreement, ModelParticipant, ModelSummary

ARTICLE = (
    'US Secretary of State John Kerry said the two powers had a "major responsibility" '
    "to cooperate.\n\nRussia’s Foreign Minister Sergei Lavrov   agreed — reluctantly."
)


def test_exact_quote_gets_its_offsets() -> None:
    evidence = Grounder(ARTICLE).ground("the two powers had a")
    assert evidence.match == "exact"
    assert ARTICLE[evidence.start : evidence.end] == "the two powers had a"


def test_case_space_and_quote_marks_are_folded_but_offsets_stay_in_the_original() -> None:
    evidence = Grounder(ARTICLE).ground(
        "RUSSIA'S foreign minister Sergei Lavrov agreed - reluctantly"
    )
    assert evidence.match == "normalised"
    assert ARTICLE[evidence.start : evidence.end] == (
        "Russia’s Foreign Minister Sergei Lavrov   agreed — reluctantly"
    )


def test_surrounding_quote_marks_and_ellipses_are_ignored() -> None:
    assert Grounder(ARTICLE).ground('"…had a "major responsibility" to cooperate..."').grounded


def test_near_miss_is_a_fuzzy_match_with_a_score() -> None:
    evidence = Grounder(ARTICLE).ground("the two powers have a major responsibility to co-operate")
    assert evidence.match == "fuzzy"
    assert 90 <= evidence.score < 100


def test_invented_quote_and_short_near_miss_do_not_ground() -> None:
    grounder = Grounder(ARTICLE)
    assert not grounder.ground("Kerry promised to lift all sanctions next week").grounded
    assert not grounder.ground("Kerry sad").grounded  # too short to match fuzzily


def _summary(name: str, quote: str) -> ModelSummary:
    return ModelSummary(
        participants=[ModelParticipant(name=name, role="r", affiliation="a", quotes=[quote])],
        agreements=[
            ModelAgreement(statement="s", parties=[name], quotes=["not in the text at all"])
        ],
        disagreements=[],
    )


def test_a_participant_needs_a_grounded_quote_and_a_name_the_article_uses() -> None:
    real = "John Kerry said the two powers"
    summary, counts = ground_summary(_summary("Mickey Mouse", real), ARTICLE)
    assert not summary.participants[0].grounded  # real quote, invented name
    summary, counts = ground_summary(_summary("Kerry", real), ARTICLE)
    assert summary.participants[0].grounded
    assert not summary.agreements[0].grounded
    assert (counts.quotes, counts.grounded, counts.flagged_items) == (2, 1, 1)


def test_strict_policy_drops_ungrounded_items_and_counts_them() -> None:
    summary, counts = ground_summary(
        _summary("Kerry", "said the two powers"), ARTICLE, policy="strict"
    )
    assert summary.agreements == []
    assert counts.dropped_items == 1
    assert len(summary.participants) == 1


# --- properties -------------------------------------------------------------------------------

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    | st.sampled_from(" \n’“”—"),
    min_size=1,
    max_size=300,
)


@given(article=_text, data=st.data())
@settings(max_examples=300, deadline=None)
def test_any_slice_of_the_article_grounds_exactly_at_equal_text(
    article: str, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(article) - 1))
    end = data.draw(st.integers(start + 1, len(article)))
    quote = article[start:end]
    evidence = Grounder(article).ground(quote)
    if not _trim(quote):
        assert not evidence.grounded  # nothing left to look for once edges are trimmed
        return
    assert evidence.match == "exact"
    assert article[evidence.start : evidence.end] == _trim(quote)


@given(article=_text, data=st.data())
@settings(max_examples=300, deadline=None)
def test_a_reformatted_slice_grounds_at_text_that_folds_to_the_same(
    article: str, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(article) - 1))
    end = data.draw(st.integers(start + 1, len(article)))
    original = article[start:end]
    # upper() is not always undone by case folding (dotless ı): only shout where it is
    shouted = original.upper() if original.upper().casefold() == original.casefold() else original
    quote = " ".join(shouted.split()).replace("’", "'").replace("—", "-")
    if not normalise(_trim(quote))[0]:
        return
    evidence = Grounder(article).ground(quote)
    assert evidence.grounded
    assert evidence.match in ("exact", "normalised")
    found = article[evidence.start : evidence.end]
    assert normalise(found)[0] == normalise(_trim(quote))[0]


@given(quote=st.text(alphabet="qxzjvkw", min_size=20, max_size=60))
@settings(max_examples=100, deadline=None)
def test_a_quote_not_in_the_article_never_matches_exactly(quote: str) -> None:
    article = ARTICLE
    evidence = Grounder(article).ground(quote)
    assert evidence.match not in ("exact", "normalised")
    assert not evidence.grounded


@given(article=_text)
@settings(max_examples=200, deadline=None)
def test_normalise_maps_every_folded_character_back_into_the_text(article: str) -> None:
    folded, where = normalise(article)
    assert len(folded) == len(where)
    assert all(0 <= i < len(article) for i in where)
    assert where == sorted(where)


@given(text=_text | st.text(min_size=0, max_size=80))
@settings(max_examples=500, deadline=None)
def test_fast_fold_equals_the_folded_text_of_normalise(text: str) -> None:
    assert fold(text) == normalise(text)[0]
