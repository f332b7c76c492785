"""The verification filter: the model's verdict, with a cue in the cited text as a second word."""

from concord.schema import Check
from concord.sentences import split_sentences
from concord.verification import (
    Candidate,
    PointKind,
    cue_sentences,
    decide,
    has_cue,
    shows_agreement,
)

ARTICLE = (
    "Russia has refused to join the coalition. "
    "Both towns will split the cost of the plant equally. "
    "We agreed every detail without a single sticking point. "
    "The ministers signed the accord on Friday. "
    "The plant opens in March."
)
S = split_sentences(ARTICLE)


def _candidate(number: int, kind: PointKind, *sentence_numbers: int) -> Candidate:
    cited = [S[n - 1] for n in sentence_numbers]
    return Candidate(number, kind, "claim", cited, list(sentence_numbers))


def test_cues_are_found_where_a_word_starts_and_not_after_a_negation() -> None:
    assert has_cue("disagreement", [S[0]])  # refused
    assert not has_cue("disagreement", [S[1]])  # "split the cost" is not a division
    assert not has_cue("disagreement", [S[2]])  # "without a single sticking point"
    assert has_cue("agreement", [S[3]])
    assert not has_cue("agreement", [S[4]])
    assert not has_cue("disagreement", [S[4]])
    assert cue_sentences("disagreement", S) == [1]


def test_a_candidate_the_model_confirms_is_kept() -> None:
    keep, counts = decide(
        [_candidate(1, "disagreement", 5)],
        [Check(candidate=1, shown=True)],
        article_has_difference=True,
    )
    assert keep == {1}
    assert (counts.checked, counts.kept, counts.dropped, counts.kept_by_cue) == (1, 1, 0, 0)


def test_an_invented_difference_without_a_cue_is_dropped() -> None:
    candidates = [_candidate(1, "disagreement", 2, 3), _candidate(2, "agreement", 4)]
    checks = [Check(candidate=1, shown=False), Check(candidate=2, shown=True)]
    keep, counts = decide(candidates, checks, article_has_difference=True)
    assert keep == {2}
    assert counts.dropped == 1


def test_a_real_difference_the_model_doubted_is_kept_for_its_cue() -> None:
    keep, counts = decide(
        [_candidate(1, "disagreement", 1)],
        [Check(candidate=1, shown=False)],
        article_has_difference=True,
    )
    assert keep == {1}
    assert counts.kept_by_cue == 1


def test_a_cue_of_the_other_kind_does_not_rescue_a_candidate() -> None:
    keep, _ = decide(
        [_candidate(1, "agreement", 1)],
        [Check(candidate=1, shown=False)],
        article_has_difference=True,
    )
    assert keep == set()


def test_a_candidate_the_model_said_nothing_about_is_kept() -> None:
    keep, _ = decide([_candidate(1, "disagreement", 5)], [], article_has_difference=True)
    assert keep == {1}


def test_an_agreement_needs_words_of_agreement_whatever_the_model_says() -> None:
    one_sided = _candidate(1, "agreement", 1)  # "Russia has refused to join the coalition."
    signed = _candidate(2, "agreement", 4)  # "The ministers signed the accord on Friday."
    checks = [Check(candidate=1, shown=True), Check(candidate=2, shown=False)]
    keep, counts = decide([one_sided, signed], checks, article_has_difference=True)
    assert keep == {2}
    assert counts.kept_by_cue == 1


def test_a_candidate_citing_nothing_is_not_rescued() -> None:
    keep, _ = decide(
        [_candidate(1, "disagreement")],
        [Check(candidate=1, shown=False)],
        article_has_difference=True,
    )
    assert keep == set()


def test_in_an_article_without_words_of_difference_a_yes_is_not_enough() -> None:
    candidates = [_candidate(1, "disagreement", 5), _candidate(2, "agreement", 4)]
    checks = [Check(candidate=1, shown=True), Check(candidate=2, shown=True)]
    keep, counts = decide(candidates, checks, article_has_difference=False)
    assert keep == {2}
    assert counts.dropped == 1


def test_words_of_agreement_after_a_refusal_do_not_show_an_agreement() -> None:
    refused, signed = split_sentences(
        "Vardania refused to accept a tribunal and declined to sign the text. "
        "Both sides agreed to meet again."
    )
    assert has_cue("agreement", [refused])  # a lead for the pass to check...
    assert not shows_agreement([refused])  # ...but not evidence of an agreement
    assert shows_agreement([signed])
    keep, _ = decide(
        [Candidate(1, "agreement", "accept a tribunal", [refused], [1])],
        [Check(candidate=1, shown=True)],
        article_has_difference=True,
    )
    assert keep == set()


def test_without_a_verification_pass_only_a_cue_keeps_a_candidate() -> None:
    refused, no_cue, signed = (
        _candidate(1, "disagreement", 1),
        _candidate(2, "disagreement", 5),
        _candidate(3, "agreement", 4),
    )
    keep, counts = decide([refused, no_cue, signed], None, article_has_difference=True)
    assert keep == {1, 3}
    assert (counts.checked, counts.kept, counts.dropped, counts.kept_by_cue) == (3, 2, 1, 2)


def test_a_proposal_a_plan_or_a_supposition_is_not_an_agreement() -> None:
    sentences = split_sentences(
        "A joint press conference planned for Thursday was cancelled. "
        "Each side said the other had made a deal impossible. "
        "Carmody proposed that scientists from both countries carry out a joint survey. "
        "Most residents would accept resettlement if the compensation was fair. "
        "The budget is still to be approved by the members. "
        "Corvast backed neither timetable. "
        "The two councils will set up a joint company to own the bridge. "
        "The port accepted 38 metres after the councils agreed to leave the channel clear. "
        "According to the minister, talks continue. "
        "All groups supported the mayor's proposal to make travel free for a month. "
        "When they came out, they announced an emergency arrangement for this summer. "
        "Kestovia proposed a compromise on dairy quotas."
    )
    shown = [shows_agreement([s]) for s in sentences]
    assert shown == [False, False, False, False, False, False, True, True, False, True, True, False]
    # the prompt's leads are not narrowed: every one of these but the last holds a word to check
    assert [has_cue("agreement", [s]) for s in sentences][:8] == [True] * 8


def test_an_agreement_named_as_a_thing_or_called_one_is_not_news_that_one_was_made() -> None:
    sentences = split_sentences(
        'Marsh called it "a treaty between neighbours". '
        'She called the summer deal "proof that the provinces can manage". '
        'Pietrak said the agreement was "the best day for people on bikes". '
        "Kestovia proposed a tribunal modelled on the panels found in E.U. trade agreements. "
        "Olander has served on the committee for sixteen years. "
        "The rise was significant. "
        "Under the agreement, each town pays half of the upkeep. "
        "The two governments signed a treaty on Tuesday. "
        "The unions and the company reached a deal overnight."
    )
    shown = [shows_agreement([s]) for s in sentences]
    assert shown == [False, False, False, False, False, False, True, True, True]


def test_an_agreement_waited_for_or_spoken_of_is_not_one_made() -> None:
    sentences = split_sentences(
        "Officials from both sides had spent a week preparing a text. "
        "Ministers attended, together with the head of the civil protection corps. "
        '"We will not wait for an agreement to act responsibly," he said. '
        "The association wants the bank closed to all vessels until a deal is reached. "
        "The council adopted a flood preparedness plan on Monday. "
        "The two unions struck a deal with the operator overnight. "
        '"We have a pay deal, and we have it without a single day of strikes," she said. '
        "Parliament ratified the treaty on Friday."
    )
    shown = [shows_agreement([s]) for s in sentences]
    assert shown == [False, False, False, False, True, True, True, True]


def test_an_agreement_supposed_or_still_needed_is_not_one_made() -> None:
    sentences = split_sentences(
        "The union would ballot its members on industrial action if a private contract was "
        "signed. "
        "The levy will still need approval from the national transport department. "
        "Whitlow, who collected signatures for the line, called the vote a victory. "
        "The council approved the extension early on Wednesday."
    )
    assert [shows_agreement([s]) for s in sentences] == [False, False, False, True]
