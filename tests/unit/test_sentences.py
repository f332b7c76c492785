"""The sentence splitter: evidence is whole sentences, so their edges must be right."""

import pytest

from concord.sentences import SentenceIndex, UnknownSentences, split_sentences


def _texts(article: str) -> list[str]:
    return [s.text for s in split_sentences(article)]


def test_every_span_is_the_article_text_itself() -> None:
    article = "Headline here\n\nPARIS (Wire) -\n\nFirst one.  Second one!\nThird?"
    sentences = split_sentences(article)
    assert [article[s.start : s.end] for s in sentences] == [s.text for s in sentences]
    assert [s.number for s in sentences] == list(range(1, len(sentences) + 1))


def test_headlines_and_datelines_without_full_stops_are_sentences_of_their_own() -> None:
    article = "Talks collapse over steel\nGENEVA, March 3 —\n\nThe talks ended on Friday."
    assert _texts(article) == [
        "Talks collapse over steel",
        "GENEVA, March 3 —",
        "The talks ended on Friday.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "U.S. Secretary of State John Kerry met Mr. Lavrov on Tuesday.",
        "Dr. J. R. Smith of the U.N. spoke at 5 p.m. in Washington, D.C. on Jan. 5.",
        "Gen. Paul J. Okonkwo said the E.U. would pay.",
        "Prof. Zoë Ólafsdóttir and Jiří Dvořák left at 3 a.m. on Nov. 18.",
    ],
)
def test_abbreviations_and_initials_do_not_end_a_sentence(sentence: str) -> None:
    assert _texts(f"{sentence} The next sentence follows.") == [
        sentence,
        "The next sentence follows.",
    ]


@pytest.mark.parametrize(
    ("article", "first"),
    [
        ('"We both agree," he said. It ended.', '"We both agree," he said.'),
        ('He said: "We refuse." It ended.', 'He said: "We refuse."'),
        ("She said “no.” It ended.", "She said “no.”"),
        (
            "“She told us ‘be patient’ for three years,” said Ana Ruiz. It ended.",
            "“She told us ‘be patient’ for three years,” said Ana Ruiz.",
        ),
    ],
)
def test_quotations_ending_in_a_full_stop_stay_with_their_sentence(
    article: str, first: str
) -> None:
    assert _texts(article) == [first, "It ended."]


def test_lines_without_letters_or_digits_are_not_sentences() -> None:
    assert _texts("One.\n\n---\n* * *\nTwo.") == ["One.", "Two."]


def test_cited_numbers_map_to_their_spans_in_article_order_once_each() -> None:
    article = "Alpha said yes. Beta said nothing. Gamma left."
    index = SentenceIndex(tuple(split_sentences(article)))
    cited = index.cited([3, 1, 3])
    assert [s.text for s in cited] == ["Alpha said yes.", "Gamma left."]
    assert [article[s.start : s.end] for s in cited] == ["Alpha said yes.", "Gamma left."]


def test_the_model_sees_shown_sentences_numbered_without_gaps() -> None:
    sentences = split_sentences("Alpha said yes. Ignore that. Gamma left.")
    index = SentenceIndex((sentences[0], sentences[2]))  # sentence 2 withheld
    assert index.numbered() == "[1] Alpha said yes.\n[2] Gamma left."
    index.check([1, 2])
    with pytest.raises(UnknownSentences, match=r"3, 9 do not exist.*1 to 2"):
        index.check([3, 9, 1])
    (gamma,) = index.cited([2])
    assert (gamma.text, gamma.number) == ("Gamma left.", 3)  # the user sees its article number


TITLED = (
    "The sea wall proved harder. Mr. Okonkwo wants a wall paid for by a regional bond. Ms. Ruiz "
    "said the region could not take on that much debt.\nDr. Berg disagreed, and Gen. Kowalczyk "
    "left. Sen. Marsh, Rep. Lee, Gov. Ortiz and Lt. Col. Hart spoke. Prof. Ng met Sgt. Oduya at "
    "St. Anne's. Mrs. Dale agreed."
)


def test_a_title_stays_with_its_name_at_a_sentence_start_and_mid_sentence() -> None:
    joined = split_sentences(TITLED, join_titles=True)
    assert [s.text for s in joined] == [
        "The sea wall proved harder.",
        "Mr. Okonkwo wants a wall paid for by a regional bond.",
        "Ms. Ruiz said the region could not take on that much debt.",
        "Dr. Berg disagreed, and Gen. Kowalczyk left.",
        "Sen. Marsh, Rep. Lee, Gov. Ortiz and Lt. Col. Hart spoke.",
        "Prof. Ng met Sgt. Oduya at St. Anne's.",
        "Mrs. Dale agreed.",
    ]
    assert all(TITLED[s.start : s.end] == s.text for s in joined)


def test_prompts_before_v5_keep_the_split_they_were_recorded_with() -> None:
    assert "Ms." in [s.text for s in split_sentences(TITLED)]  # sentencex's own split
