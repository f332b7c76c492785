"""Cutting a long article into chunks of whole sentences, and merging what the chunks found."""

from __future__ import annotations

import itertools

import pytest

from concord.chunks import (
    ChunkOptions,
    chunk_limit,
    fitting_chars,
    merge_agreements,
    merge_disagreements,
    plan_chunks,
)
from concord.cited_summary import bare_name, build_participants, same_person
from concord.schema import CitedAgreement, CitedDisagreement, CitedParticipant, ModelPosition
from concord.sentences import SentenceIndex, UnknownSentences, split_sentences

SENTENCE = "The council met on day {n} to talk about the harbour, the ferry and the fishing fleet."
ARTICLE = " ".join(SENTENCE.format(n=n) for n in range(1, 61))


def whole() -> SentenceIndex:
    return SentenceIndex(tuple(split_sentences(ARTICLE)))


def test_an_article_within_the_limit_is_one_chunk() -> None:
    index = whole()
    assert plan_chunks(index, 10**6, 2) == [index]


@pytest.mark.parametrize(("limit", "overlap"), [(500, 0), (900, 2), (2_000, 3)])
def test_chunks_are_whole_sentences_within_the_limit_overlapping_and_in_article_numbers(
    limit: int, overlap: int
) -> None:
    index = whole()
    chunks = plan_chunks(index, limit, overlap)
    assert len(chunks) > 1
    assert all(len(c.numbered()) <= limit for c in chunks)
    # every sentence is in a chunk, and each chunk opens with the last `overlap` of the one before
    covered = {s.number for c in chunks for s in c.shown}
    assert covered == {s.number for s in index.shown}
    for before, after in itertools.pairwise(chunks):
        assert after.first == before.highest - overlap + 1
    # a chunk shows the article's own numbers, and cites by them
    second = chunks[1]
    assert second.numbered().startswith(f"[{second.first}] ")
    assert second.cited([second.first]) == [index.shown[second.first - 1]]
    with pytest.raises(UnknownSentences, match=f"{second.first} to {second.highest}"):
        second.check([1])


def test_chunks_are_about_equal_rather_than_a_full_one_and_a_scrap() -> None:
    chunks = plan_chunks(whole(), len(ARTICLE) * 2 // 3, 0)
    sizes = [len(c.shown) for c in chunks]
    assert len(sizes) == 2
    assert max(sizes) - min(sizes) <= 2


def test_a_sentence_longer_than_the_limit_is_a_chunk_of_its_own() -> None:
    index = whole()
    chunks = plan_chunks(index, 40, 1)
    assert [len(c.shown) for c in chunks] == [1] * len(index.shown)


def test_the_chunk_size_is_the_setting_or_what_fits_the_context_if_less() -> None:
    assert chunk_limit(ChunkOptions(max_chars=6_000), 32_768) == 6_000
    assert chunk_limit(ChunkOptions(max_chars=6_000), 3_000) == fitting_chars(3_000) < 6_000
    assert chunk_limit(ChunkOptions(max_chars=0), 32_768) == fitting_chars(32_768) > 80_000
    assert chunk_limit(ChunkOptions(max_chars=0), 2_048) < chunk_limit(ChunkOptions(0), 4_096)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mr. Kerry", "John Kerry"),
        ("Kerry", "John Kerry"),
        ("the secretary of state, John Kerry", "Mr Kerry"),
        ("Gov. Anders Kjellberg", "Kjellberg"),
        ("Lt. Col. Marcus Oyelaran", "Oyelaran"),
    ],
)
def test_the_same_person_under_several_spellings(a: str, b: str) -> None:
    assert same_person(a, b)


@pytest.mark.parametrize(
    ("a", "b"), [("John Kerry", "Sergei Lavrov"), ("Maj Sjowall", "Ida Maj"), ("Dr.", "Kerry")]
)
def test_different_people(a: str, b: str) -> None:
    assert not same_person(a, b)


def test_a_name_keeps_its_own_words_and_loses_the_honorific() -> None:
    assert bare_name("Sen. Jerome Wakefield") == "Jerome Wakefield"
    assert bare_name("Maj Sjowall") == "Maj Sjowall"  # a first name, not a rank
    assert bare_name("the secretary of state, John Kerry") == "John Kerry"
    assert bare_name("Washington, D.C.") == "Washington, D.C."


def test_participants_from_every_chunk_are_one_list_with_the_fullest_name_and_role() -> None:
    article = "Mr. Kerry arrived. John Kerry, the US secretary of state, spoke. Kerry left."
    index = SentenceIndex(tuple(split_sentences(article)))
    found = [
        CitedParticipant(name="Mr. Kerry", role="", affiliation="", sentences=[1]),
        CitedParticipant(
            name="John Kerry", role="US secretary of state", affiliation="US", sentences=[2]
        ),
        CitedParticipant(name="Kerry", role="secretary", affiliation="", sentences=[3]),
    ]
    (person,) = build_participants(found, index, article, "")
    assert person.name == "John Kerry"
    assert person.role == "US secretary of state"
    assert [e.sentence for e in person.evidence] == [1, 2, 3]


def agreement(sentences: list[int], statement: str, *parties: str) -> CitedAgreement:
    return CitedAgreement(sentences=sentences, statement=statement, parties=list(parties))


def test_an_agreement_two_chunks_report_is_one_point_with_both_chunks_parties() -> None:
    merged = merge_agreements(
        [
            [agreement([9, 10], "reopen the ferry link", "Ruiz")],
            [agreement([10], "ferry link to reopen", "Ruiz", "Berg")],  # the overlap sentence
            [agreement([30], "Reopen the ferry link!", "Mr. Berg")],  # same words, elsewhere
        ]
    )
    (point,) = merged
    assert point.parties == ["Ruiz", "Berg"]
    assert point.sentences == [9, 10, 30]


def test_different_agreements_stay_apart_and_one_chunks_own_two_points_stay_two() -> None:
    merged = merge_agreements(
        [
            [agreement([3], "reopen the ferry link", "A", "B"), agreement([3], "share", "A", "B")],
            [agreement([20], "fund a new fish market", "A", "C")],
        ]
    )
    assert [a.statement for a in merged] == [
        "reopen the ferry link",
        "share",
        "fund a new fish market",
    ]


def side(sentences: list[int], topic: str, party: str, position: str) -> CitedDisagreement:
    return CitedDisagreement(
        sentences=sentences,
        topic=topic,
        positions=[ModelPosition(party=party, position=position)],
    )


def test_a_disagreement_whose_sides_are_chunks_apart_becomes_one_point_with_both() -> None:
    merged = merge_disagreements(
        [
            [side([8], "the Kessel dam", "Kjellberg", "against the dam")],
            [side([14], "minimum flow into the delta", "Ferreira", "more water")],
            [side([41], "building the Kessel dam", "Gov. Farouk", "for the dam")],
            [side([52], "the Kessel dam", "Mr. Kjellberg", "still against")],  # a repeat
        ]
    )
    dam, flow = merged
    assert [(p.party, p.position) for p in dam.positions] == [
        ("Kjellberg", "against the dam"),
        ("Gov. Farouk", "for the dam"),
    ]
    assert dam.sentences == [8, 41, 52]
    assert flow.topic == "minimum flow into the delta"
