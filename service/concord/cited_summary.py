"""Turn the passes' sentence-cited answers into the user-facing summary.

Every evidence item is a cited sentence, so ``quote == article[start:end]`` always holds. What
is left to judge is the items themselves:

- a participant is grounded when it cites a sentence and its name occurs in the article text the
  model was shown; a name that occurs *only* in withheld sentences came from an injected
  instruction and is dropped whatever the policy, never shown even flagged;
- a participant written as a title ("German Foreign Minister") takes the name that follows that
  title in its cited sentence ("German Foreign Minister Frank Weber"), the title becoming its role;
- the same participant or point listed twice (same name, a name inside a longer one, the same
  cited sentences) is listed once;
- a speaker the article introduces by name and role ("The harbourmaster, Capt. Liam Fenwick,
  said") whom the passes missed is listed from the article's own words (``concord.speakers``),
  and a participant whose role the article nowhere states takes the role it gives;
- a person the article gives only as history ("negotiated by Edwin Marsh, then governor") is
  not a participant, nor a party or a side of any point;
- a point whose statement, topic or position copies a sentence it does not cite (eight or more
  words, nearly verbatim) cites that sentence too: the model wrote the right words and the wrong
  number ("agreed to keep the interim tariff arrangement" citing the dateline);
- a point with no valid cited sentence is ungrounded: flagged, or dropped under ``strict``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

from concord.grounding import apply_policy, fold
from concord.schema import (
    Agreement,
    CitedAgreement,
    CitedDisagreement,
    CitedParticipant,
    Disagreement,
    Evidence,
    GroundingCounts,
    GroundingPolicy,
    Participant,
    Position,
    Summary,
)
from concord.sentences import Sentence, SentenceIndex
from concord.speakers import Speaker, past_figures, quoted_speakers, stated_roles

_TITLE_WORDS = re.compile(
    r"(?i)\b(?:minister|secretary|president|premier|chancellor|chief|executive|director|leader|"
    r"mayor|governor|spokes\w*|chair\w*|head|general|officer|commissioner|ambassador|envoy|"
    r"negotiator|ceo|manager|senator|official|representative|delegate|councillor|judge)\b"
)
# Up to four capitalised words (with initials, particles and diacritics) after a title.
_NAME_AFTER = r"\s+((?:(?:[A-Z][\w'’.-]*|van|von|de|da|di|del|al|bin|le|la)\s?){1,4})"
_NAME_TOKEN = re.compile(r"[^\W\d_]{2,}")
# Sentences shown as a participant's evidence: where they first appear and act, not every
# sentence that mentions them (a pass once cited 49 for a council).
MAX_PARTICIPANT_EVIDENCE = 3


# A copy long enough to be one: the scorer's "copied" measure counts eight words too.
_COPY_WORDS = 8
_COPY_SCORE = 90.0


def copied_from(text: str, index: SentenceIndex) -> list[int]:
    """The (model) numbers of the shown sentences that ``text`` copies, or that copy it: both
    at least eight words, one found nearly verbatim in the other."""
    folded = fold(text)
    if len(folded.split()) < _COPY_WORDS:
        return []
    return [
        n
        for n, sentence in enumerate(index.shown, start=index.first)
        if len(sentence.text.split()) >= _COPY_WORDS
        and fuzz.partial_ratio(folded, fold(sentence.text)) >= _COPY_SCORE
    ]


def anchor_agreements(
    points: Sequence[CitedAgreement], index: SentenceIndex
) -> list[CitedAgreement]:
    """Each agreement citing, besides its own numbers, the sentences its statement copies."""
    return [
        a.model_copy(update={"sentences": _with(a.sentences, copied_from(a.statement, index))})
        for a in points
    ]


def anchor_disagreements(
    points: Sequence[CitedDisagreement], index: SentenceIndex
) -> list[CitedDisagreement]:
    """Each disagreement citing, besides its own numbers, the sentences its topic or a position
    copies."""
    return [
        d.model_copy(
            update={
                "sentences": _with(
                    d.sentences,
                    [
                        n
                        for text in (d.topic, *(p.position for p in d.positions))
                        for n in copied_from(text, index)
                    ],
                )
            }
        )
        for d in points
    ]


def _with(cited: list[int], more: Iterable[int]) -> list[int]:
    return cited + [n for n in dict.fromkeys(more) if n not in cited]


def evidence_for(sentences: Iterable[Sentence]) -> list[Evidence]:
    return [
        Evidence(
            quote=s.text,
            start=s.start,
            end=s.end,
            grounded=True,
            match="sentence",
            score=100.0,
            sentence=s.number,
        )
        for s in sentences
    ]


def named_in(name: str, text: str) -> bool:
    """True when a word of ``name`` (two letters or more) occurs in ``text`` (folded)."""
    folded = fold(text)
    return any(
        re.search(rf"(?<!\w){re.escape(token)}(?!\w)", folded)
        for token in _NAME_TOKEN.findall(fold(name))
    )


def promote_name(participant: CitedParticipant, cited: Sequence[Sentence]) -> CitedParticipant:
    """A title given as a name becomes the role; the name after it in the article is the name.

    "German Foreign Minister" takes the name that follows it in a cited sentence; "Mayor Helen
    Achterberg" is split into the name and, when the role names no title, the role.
    """
    if not _TITLE_WORDS.search(participant.name):
        return participant
    words = participant.name.split()
    for cut in range(len(words) - 2, 0, -1):
        title, rest = " ".join(words[:cut]), words[cut:]
        if (
            _TITLE_WORDS.search(title)
            and not _TITLE_WORDS.search(" ".join(rest))
            and all(w[:1].isupper() for w in rest)
        ):
            role = participant.role if _TITLE_WORDS.search(participant.role) else title
            return participant.model_copy(update={"name": " ".join(rest), "role": role})
    for sentence in cited:
        hit = re.search(f"(?i:{re.escape(participant.name)})" + _NAME_AFTER, sentence.text)
        if hit and (name := hit.group(1).strip(" .")) and len(name.split()) >= 2:
            return participant.model_copy(
                update={"name": name, "role": participant.role or participant.name}
            )
    return participant


# Honorifics news puts before a surname ("Mr. Kerry", "Gov. Kjellberg"): not part of the name.
# British style drops the full stop after the common ones ("Mr Kerry"); the military and
# political ones need it ("Maj" is also a name).
_HONORIFIC = re.compile(
    r"^(?:(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof)\.?|"
    r"(?:Gen|Sen|Rep|Gov|Lt|Col|Sgt|Capt|Cmdr|Adm|Maj|Rev|Hon|Pres)\.)\s+)+"
)


def bare_name(name: str) -> str:
    """``name`` without leading honorifics, and without a description before a comma ("the
    secretary of state, John Kerry" → "John Kerry")."""
    head, comma, tail = name.rpartition(",")
    if comma and tail.strip()[:1].isupper() and head[:1].islower():
        name = tail
    return _HONORIFIC.sub("", name.strip()).strip() or name.strip()


def same_person(a: str, b: str) -> bool:
    """True when two names are the same person: equal, or one inside the other, honorifics
    and a leading description set aside ("Mr. Kerry", "John Kerry")."""
    fa, fb = fold(bare_name(a)), fold(bare_name(b))
    if not fa or not fb:
        return False
    return fa == fb or bool(
        re.search(rf"(?<!\w){re.escape(fa)}(?!\w)", fb)
        or re.search(rf"(?<!\w){re.escape(fb)}(?!\w)", fa)
    )


def build_participants(
    found: Sequence[CitedParticipant], index: SentenceIndex, shown_text: str, withheld_text: str
) -> list[Participant]:
    people: list[Participant] = []
    for given in found:
        cited = index.cited(given.sentences)
        item = promote_name(given, cited)
        item = item.model_copy(update={"name": bare_name(item.name)})  # "Gov. Ida Lind": Ida Lind
        if not named_in(item.name, shown_text) and named_in(item.name, withheld_text):
            continue  # the name comes only from an instruction the model was not shown
        same = next((p for p in people if same_person(p.name, item.name)), None)
        if same is not None:
            if len(bare_name(item.name)) > len(bare_name(same.name)):
                same.name = item.name  # keep the fuller form: "Kerry" → "John Kerry"
            if len(item.role) > len(same.role):
                same.role = item.role  # and the fuller role
            more = [e for e in evidence_for(cited) if e not in same.evidence]
            same.evidence = (same.evidence + more)[:MAX_PARTICIPANT_EVIDENCE]
            same.grounded = same.grounded or bool(cited)
            continue
        people.append(
            Participant(
                name=item.name,
                role=item.role,
                affiliation=item.affiliation,
                evidence=evidence_for(cited[:MAX_PARTICIPANT_EVIDENCE]),
                grounded=bool(cited) and named_in(item.name, shown_text),
            )
        )
    return people


def add_speakers(
    people: list[Participant], index: SentenceIndex, speakers: Sequence[Speaker]
) -> int:
    """Add to ``people`` the ``speakers`` (``quoted_speakers`` of ``index``) it lacks, and give a
    listed person the article's name and role where the model's are not the article's.
    Returns how many were added.

    A listed name the article never writes is matched by surname ("Amber Achterberg" for the
    article's "Helen Achterberg" becomes Helen Achterberg, never a second person); a role none of
    whose words occur where the article names that person ("governmental leader") gives way to
    the role the article states ("president of the Vantor Growers' Union").
    """
    folded = [fold(s.text) for s in index.shown]
    shown = " ".join(folded)
    added = 0
    for speaker in speakers:
        same = next((p for p in people if same_person(p.name, speaker.name)), None)
        if same is None:
            same = next(
                (p for p in people if _surname(p.name) == _surname(speaker.name)
                 and not named_whole(p.name, shown)),
                None,
            )  # fmt: skip
            if same is not None:
                same.name = speaker.name
        if same is None:
            people.append(
                Participant(
                    name=speaker.name,
                    role=speaker.role,
                    affiliation=speaker.affiliation,
                    evidence=evidence_for([speaker.sentence]),
                )
            )
            added += 1
        elif len(speaker.name) > len(bare_name(same.name)):
            same.name = speaker.name  # the fullest name: "Chaudhry" → "Arif Chaudhry"
    roles = stated_roles(index.shown, speakers)
    for person in people:
        stated = next((r for name, r in roles.items() if same_person(name, person.name)), None)
        if stated is not None and not _role_in_article(person, folded):
            person.role = stated
    return added


def _surname(name: str) -> str:
    words = fold(bare_name(name)).split()
    return words[-1] if words else ""


def named_whole(name: str, folded_text: str) -> bool:
    """True when the whole of ``name`` (honorifics aside) occurs in the folded text."""
    whole = fold(bare_name(name))
    return bool(whole) and re.search(rf"(?<!\w){re.escape(whole)}(?!\w)", folded_text) is not None


def _role_in_article(person: Participant, folded_sentences: Sequence[str]) -> bool:
    """True when a word of the person's role (four letters or more) occurs in a sentence that
    names them."""
    words = re.findall(r"\w{4,}", fold(person.role))
    surname = _surname(person.name)
    named = re.compile(rf"(?<!\w){re.escape(surname)}(?!\w)")
    near = [text for text in folded_sentences if surname and named.search(text)]
    return any(re.search(rf"(?<!\w){re.escape(w)}", text) for w in words for text in near)


def _distinct(points: Sequence[tuple[str, list[Sentence]]]) -> list[int]:
    """Indexes of points to keep: a later point citing the same sentences, or the same
    wording, as an earlier one repeats it."""
    seen_sentences: set[tuple[int, ...]] = set()
    seen_text: set[str] = set()
    keep = []
    for i, (text, cited) in enumerate(points):
        key = tuple(s.number for s in cited)
        if (key and key in seen_sentences) or fold(text) in seen_text:
            continue
        seen_sentences.add(key)
        seen_text.add(fold(text))
        keep.append(i)
    return keep


def party_name(party: str, people: Sequence[Participant]) -> str:
    """A party written with its title ("Harbourton mayor Alice Fenwick"), in part ("Fenwick"),
    or as the body only one participant acts for ("Russia"), becomes that participant's name as
    listed; anyone else is left as written."""
    by_name = next((p.name for p in people if same_person(p.name, party)), None)
    if by_name is not None:
        return by_name
    acting_for = [p.name for p in people if p.affiliation and fold(p.affiliation) == fold(party)]
    return acting_for[0] if len(acting_for) == 1 else party


def build_agreements(
    found: Sequence[CitedAgreement], index: SentenceIndex, people: Sequence[Participant]
) -> list[Agreement]:
    cited = [index.cited(a.sentences) for a in found]
    return [
        Agreement(
            statement=found[i].statement,
            parties=list(dict.fromkeys(party_name(p, people) for p in found[i].parties)),
            evidence=evidence_for(cited[i]),
            grounded=bool(cited[i]),
        )
        for i in _distinct([(a.statement, c) for a, c in zip(found, cited, strict=True)])
    ]


def build_disagreements(
    found: Sequence[CitedDisagreement], index: SentenceIndex, people: Sequence[Participant]
) -> list[Disagreement]:
    cited = [index.cited(d.sentences) for d in found]
    return [
        Disagreement(
            topic=found[i].topic,
            positions=[
                Position(party=party_name(p.party, people), position=p.position)
                for p in found[i].positions
            ],
            evidence=evidence_for(cited[i]),
            grounded=bool(cited[i]),
        )
        for i in _distinct([(d.topic, c) for d, c in zip(found, cited, strict=True)])
    ]


def without_past_figures(summary: Summary, past: Sequence[str]) -> Summary:
    """``summary`` without the people the article gives only as history (``past``): not listed,
    not a party, not a side (a point left with no side goes)."""
    if not past:
        return summary

    def gone(name: str) -> bool:
        return any(same_person(name, figure) for figure in past)

    agreements = [
        a.model_copy(update={"parties": [p for p in a.parties if not gone(p)]})
        for a in summary.agreements
    ]
    disagreements = [
        d.model_copy(update={"positions": [p for p in d.positions if not gone(p.party)]})
        for d in summary.disagreements
    ]
    return Summary(
        participants=[p for p in summary.participants if not gone(p.name)],
        agreements=agreements,
        disagreements=[d for d in disagreements if d.positions],
    )


def ground(
    people: list[Participant],
    agreed: Sequence[CitedAgreement],
    differ: Sequence[CitedDisagreement],
    index: SentenceIndex,
    policy: GroundingPolicy,
) -> tuple[Summary, GroundingCounts]:
    """The summary from the merged participants and the passes' points: the speakers the
    passes missed added, the points' parties as listed, history set aside; then the counts and
    the grounding policy."""
    speakers = quoted_speakers(index.shown)  # read once: the additions, the roles, the past
    added = add_speakers(people, index, speakers)
    summary = without_past_figures(
        Summary(
            participants=people,
            agreements=build_agreements(agreed, index, people),
            disagreements=build_disagreements(differ, index, people),
        ),
        past_figures(index.shown, speakers),
    )
    summary, counts = finish(
        summary.participants, summary.agreements, summary.disagreements, policy
    )
    counts.speakers_added = added
    return summary, counts


def finish(
    participants: list[Participant],
    agreements: list[Agreement],
    disagreements: list[Disagreement],
    policy: GroundingPolicy,
) -> tuple[Summary, GroundingCounts]:
    """Count evidence (every cited sentence is grounded) and apply the grounding policy."""
    summary = Summary(participants=participants, agreements=agreements, disagreements=disagreements)
    groups = (summary.participants, summary.agreements, summary.disagreements)
    counts = GroundingCounts(policy=policy)
    counts.quotes = counts.grounded = sum(len(i.evidence) for g in groups for i in g)
    return apply_policy(summary, counts)
