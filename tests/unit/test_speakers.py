"""Speakers the article introduces by name and role, and the roles it states."""

from concord.cited_summary import add_speakers, build_participants, ground
from concord.schema import CitedDisagreement, CitedParticipant, ModelPosition
from concord.sentences import SentenceIndex, split_sentences
from concord.speakers import past_figures, quoted_speakers, stated_roles

ARTICLE = (
    "The harbourmaster, Capt. Liam Fenwick, said the port had asked for 45 metres. "
    "Arif Chaudhry, chairman of the Freight Operators' Association, which speaks for nine "
    "companies, said the increase would push freight back onto the roads. "
    "That argument is made most forcefully by Prof. Oluwaseun Adebayo, a delta ecologist at "
    "the Lisse Institute. "
    "The compact was negotiated by Edwin Marsh, then governor of Vantor, in 1962. "
    "The Army Engineer Corps, which builds most dams, said it was ready. "
    "Demir said his members would judge the company by what changes. "
    "Ferreira, 52, has fished the delta for thirty years and chairs the Lisse Fishers' "
    "Cooperative."
)
SENTENCES = split_sentences(ARTICLE, join_titles=True)


def test_a_speaker_is_found_by_name_and_role_beside_a_word_of_speech() -> None:
    found = {s.name: (s.role, s.affiliation) for s in quoted_speakers(SENTENCES)}
    assert found == {
        "Liam Fenwick": ("harbourmaster", ""),
        "Arif Chaudhry": (
            "chairman of the Freight Operators' Association",
            "Freight Operators' Association",
        ),
        "Oluwaseun Adebayo": (
            "delta ecologist at the Lisse Institute",
            "Lisse Institute",
        ),
    }  # not the negotiator of 1962 (no word of speech), not a body, not a bare "Demir said"


def test_a_role_is_read_where_the_article_describes_someone_without_quoting_them() -> None:
    roles = stated_roles(SENTENCES, quoted_speakers(SENTENCES))
    assert roles["Ferreira"] == "chairs the Lisse Fishers' Cooperative"
    assert "The Army Engineer Corps" not in roles


def test_missed_speakers_are_added_and_an_unstated_role_gives_way_to_the_articles() -> None:
    index = SentenceIndex(tuple(SENTENCES))
    found = [
        CitedParticipant(name="Mr. Chaudhry", role="chairman", affiliation="", sentences=[2]),
        CitedParticipant(
            name="Ferreira", role="governmental leader", affiliation="Calder", sentences=[7]
        ),
    ]
    people = build_participants(found, index, ARTICLE, "")
    added = add_speakers(people, index, quoted_speakers(index.shown))
    assert added == 2
    assert [(p.name, p.role) for p in people] == [
        ("Arif Chaudhry", "chairman"),  # the fuller name; the model's role is the article's
        ("Ferreira", "chairs the Lisse Fishers' Cooperative"),
        ("Liam Fenwick", "harbourmaster"),
        ("Oluwaseun Adebayo", "delta ecologist at the Lisse Institute"),
    ]
    fenwick = people[2]
    assert fenwick.evidence[0].quote == ARTICLE[fenwick.evidence[0].start : fenwick.evidence[0].end]


def test_someone_the_article_gives_only_as_history_is_no_party() -> None:
    article = (
        "The compact was negotiated by Edwin Marsh, then governor of Vantor, in 1962. "
        'Marsh called it "a treaty between neighbours". He died in 1989. '
        "The Marsh Bridge carries six lanes. "
        "Gov. Nadia Farouk said Vantor wanted the shares rewritten. "
        "Gov. Anders Kjellberg refused."
    )
    index = SentenceIndex(tuple(split_sentences(article, join_titles=True)))
    assert past_figures(index.shown, quoted_speakers(index.shown)) == ["Edwin Marsh"]
    found = [
        CitedParticipant(name="Edwin Marsh", role="governor", affiliation="", sentences=[1]),
        CitedParticipant(name="Nadia Farouk", role="governor", affiliation="", sentences=[5]),
    ]
    summary, _ = ground(
        build_participants(found, index, article, ""),
        [],
        [
            CitedDisagreement(
                sentences=[5, 6],
                topic="the shares",
                positions=[
                    ModelPosition(party="Edwin Marsh", position="divide the average"),
                    ModelPosition(party="Farouk", position="rewrite them"),
                ],
            ),
            CitedDisagreement(
                sentences=[1],
                topic="the 1962 text",
                positions=[ModelPosition(party="Marsh", position="wrote it")],
            ),
        ],
        index,
        "flag",
    )
    assert [p.name for p in summary.participants] == ["Nadia Farouk"]
    (shares,) = summary.disagreements  # the point with only the negotiator's side is gone
    assert [p.party for p in shares.positions] == ["Nadia Farouk"]


def test_a_past_role_does_not_hide_someone_who_speaks_now() -> None:
    article = (
        "The deal was signed by Rosa Lind, then finance minister, in 2010. "
        "Lind said on Tuesday that the deal still held."
    )
    sentences = split_sentences(article)
    assert past_figures(sentences, quoted_speakers(sentences)) == []
