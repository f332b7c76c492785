"""Speakers the article introduces by name and role, and the roles it states."""

from concord.cited_summary import add_speakers, build_participants
from concord.schema import CitedParticipant
from concord.sentences import SentenceIndex, split_sentences
from concord.speakers import quoted_speakers, stated_roles

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
    roles = stated_roles(SENTENCES)
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
    added = add_speakers(people, index)
    assert added == 2
    assert [(p.name, p.role) for p in people] == [
        ("Arif Chaudhry", "chairman"),  # the fuller name; the model's role is the article's
        ("Ferreira", "chairs the Lisse Fishers' Cooperative"),
        ("Liam Fenwick", "harbourmaster"),
        ("Oluwaseun Adebayo", "delta ecologist at the Lisse Institute"),
    ]
    fenwick = people[2]
    assert fenwick.evidence[0].quote == ARTICLE[fenwick.evidence[0].start : fenwick.evidence[0].end]
