"""The people an article quotes, found the way news introduces them: a name and a role side by
side, next to a word of speech.

"The harbourmaster, Capt. Liam Fenwick, said …", "Arif Chaudhry, chairman of the Freight
Operators' Association, which …, said …", "… is made most forcefully by Prof. Oluwaseun Adebayo, a
delta ecologist". On a long article a small model lists a few people per chunk and repeats
those it already met; the people it skips are most often such speakers, introduced once, far
from the lead. The article states who they are, so the summary can list them from its own text,
with the sentence that introduces them as evidence. Only such introductions count: a name with
a role and no word of speech ("negotiated by Edwin Marsh, then governor") took no part in the
talks the article reports, and a bare "Demir said" gives no role to show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from concord.sentences import Sentence

_SPEECH = (
    r"(?:said|says|told|tells|added|adds|argued|argues|warned|warns|insisted|insists|replied|"
    r"explained|explains|wrote|writes|noted|notes|stressed|declared|announced|calls|called|"
    r"admitted|admits|conceded|concedes|countered|counters|acknowledged)"
)
_TITLE = r"(?:(?:Mr|Mrs|Ms|Mx|Dr|Gen|Sen|Rep|Gov|Lt|Col|Sgt|Capt|Cmdr|Adm|Maj|Prof|Rev|Hon)\.?\s+)*"
# Two to four words, each capitalised, or a particle between them ("Bram de Wit").
_NAME = (
    r"(?P<name>[A-Z][\w'’-]+(?:\s+(?:(?:de|van|von|da|di|del|der|bin|al|le|la|du)\s+)?"
    r"(?:[A-Z]\.|[A-Z][\w'’-]+)){1,3})"
)
# A role starts in lower case ("chairman of the Freight Operators' Association", "a delta
# ecologist at the Lisse Institute") and runs to the next comma or full stop.
_ROLE = r"(?P<role>[a-z][\w'’ -]{2,90}?)"
# Before the name, a role holds no verb: "the talks were chaired by the transport minister" is
# not one.
_NOT_ROLE_WORDS = r"(?:was|were|is|are|by|and|said|says|will|would|has|have|had|other|same|one|two)"
_ROLE_BEFORE = (
    rf"(?P<role>(?:[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*['’]s?\s+)?(?!{_NOT_ROLE_WORDS}\b)[a-z]"
    rf"(?:(?!\b{_NOT_ROLE_WORDS}\b)[\w'’ -]){{2,90}}?)"
)
_ARTICLE = r"(?:(?:a|an|the)\s+)?"
_SHAPES = (
    # "The harbourmaster, Capt. Liam Fenwick, said" / "Its president, Yusuf Demir, told"
    re.compile(
        rf"(?:\b(?:[Tt]he|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir)\s+){_ROLE_BEFORE},\s+{_TITLE}{_NAME},"
        rf"(?:[^.\"“”]{{0,120}}?)\s{_SPEECH}\b"
    ),
    # "Arif Chaudhry, chairman of the …, which speaks for …, said"
    re.compile(
        rf"(?:^|(?<=[\s\"“]))(?<![a-z] ){_TITLE}{_NAME},\s+{_ARTICLE}{_ROLE}[,]"
        rf"(?:[^.\"“”]{{0,160}}?)\s{_SPEECH}\b"
    ),
    # "… says Prof. Oluwaseun Adebayo, a delta ecologist at the Lisse Institute."
    re.compile(rf"\b{_SPEECH}\s+{_TITLE}{_NAME},\s+{_ARTICLE}{_ROLE}(?=[,.;]|$)"),
    # "… according to Dr. Ruth Castellanos, …" / "That argument is made most forcefully by …"
    re.compile(
        rf"\b(?:according to|(?:argument|case|point) (?:is|was) (?:made|put) (?:\w+ ){{0,2}}by)"
        rf"\s+{_TITLE}{_NAME},\s+{_ARTICLE}{_ROLE}(?=[,.;]|$)"
    ),
)
# A title written before the name, news style: "Council President Ingrid Halvorsen", "Health
# Minister Dr. Tomás Berg". Counted as a speaker only when the article quotes that surname
# ("Halvorsen said", "said Mr. Okonkwo") somewhere.
_TITLED = re.compile(
    r"(?P<role>(?:\b[A-Z][a-z]+\s+){0,3}(?:President|Minister|Secretary|Mayor|Governor|"
    r"Chairman|Chairwoman|Chair|Director|Commissioner|Ambassador|Senator|Councillor|Judge|"
    r"Chancellor|Premier|Spokesman|Spokeswoman))\s+"
    rf"{_TITLE}{_NAME}"
)
# Words that make a "name" a body, a place or a date rather than a person.
_NOT_A_PERSON = re.compile(
    r"(?i)^(?:in|at|on|for|from|by|with|after|before|under|as|if|when|downstream|upstream)\b|"
    r"\b(?:rail|union|association|council|ministry|department|company|authority|agency|"
    r"institute|university|committee|federation|forum|party|government|court|bank|group|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
    r"june|july|august|september|october|november|december)\b"
)
# A clause, not a description: "…, which builds …", "…, and the minister …", "…, before walking
# out …".
_NOT_A_ROLE = re.compile(
    r"(?:which|and|or|but|in|at|on|where|when|while|before|after|as|during|with|without|by|to|"
    r"from|for|if|because|although|though|since|until|even|not|also|then|now|still)\b"
)
# A title written into the name ("Mayor Helen Achterberg") belongs to the role.
_TITLE_WORD = re.compile(
    r"^(?P<title>Mayor|Councillor|Councilor|Governor|President|Minister|Senator|Chairman|"
    r"Chairwoman|Judge|Bishop|Chief|Deputy|Secretary|Commissioner|Ambassador)\s+(?=\S+\s+\S)"
)
_AFFILIATION = re.compile(r"\b(?:of|at|for)\s+(?:the\s+)?(?P<body>[A-Z][\w'’-]*(?:\s+[\w'’-]+)*)$")


# How an article says what someone is without quoting them: "Bram de Wit, president of the
# Vantor Growers' Union, …", "the mayor, Helen Achterberg, …", "Ferreira, 52, … chairs the Lisse
# Fishers' Cooperative". Read only for people the passes already listed.
_HEADS = r"(?:chairs|leads|heads|runs|directs|represents|manages|commands)"
_ROLE_SHAPES = (
    re.compile(
        rf"(?:\b(?:[Tt]he|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir)\s+){_ROLE_BEFORE},\s+{_TITLE}{_NAME},"
    ),
    re.compile(rf"(?:^|(?<=[\s\"“]))(?<![a-z] ){_TITLE}{_NAME},\s+{_ARTICLE}{_ROLE}(?=[,.;]|$)"),
    re.compile(
        rf"(?:^|(?<=[\s\"“])){_TITLE}{_NAME.replace('{1,3}', '{0,3}')},(?:\s+\d+,)?"
        rf"(?:[^.\"“”]{{0,80}}?\s(?:and|who))?\s+(?P<role>{_HEADS} the [A-Z][\w'’ -]*)"
    ),
)


@dataclass(frozen=True, slots=True)
class Speaker:
    """One person the article quotes, as it introduces them."""

    name: str
    role: str
    affiliation: str
    sentence: Sentence


def _hits(
    sentences: Sequence[Sentence], shapes: Sequence[re.Pattern[str]]
) -> Iterator[tuple[str, str, Sentence]]:
    """(name, role, sentence) for every match of ``shapes``, spaces tidied."""
    for sentence in sentences:
        for shape in shapes:
            for hit in shape.finditer(sentence.text):
                name = " ".join(hit.group("name").split())
                yield name, " ".join(hit.group("role").split()).strip(" -"), sentence


def _speaks(surname: str, text: str) -> bool:
    """True when ``text`` has that surname next to a word of speech ("Halvorsen said", "said
    Mr. Okonkwo")."""
    name = re.escape(surname)
    return bool(re.search(rf"\b{name}\W{{0,3}}\s*{_SPEECH}\b|\b{_SPEECH}\s+{_TITLE}{name}\b", text))


def quoted_speakers(sentences: Sequence[Sentence]) -> list[Speaker]:
    """Every speaker introduced with a name and a role, in article order, each name once."""
    found: dict[str, Speaker] = {}
    for written, described, sentence in _hits(sentences, _SHAPES):
        if _NOT_A_ROLE.match(described) or written.startswith("The "):
            continue  # "The Army Engineer Corps, which builds …": a body
        name, role = written, described
        if title := _TITLE_WORD.match(written):
            name = written[title.end() :]
            role = described if described.split()[0] != "who" else title.group("title").lower()
        if _NOT_A_PERSON.search(name) or name in found:
            continue
        body = _AFFILIATION.search(role)
        found[name] = Speaker(name, role, body.group("body") if body else "", sentence)
    text = " ".join(s.text for s in sentences)
    for name, role, sentence in _hits(sentences, (_TITLED,)):
        if name not in found and not _NOT_A_PERSON.search(name) and _speaks(name.split()[-1], text):
            found[name] = Speaker(name, role, "", sentence)
    return sorted(found.values(), key=lambda s: s.sentence.number)


def stated_roles(sentences: Sequence[Sentence], speakers: Sequence[Speaker]) -> dict[str, str]:
    """Each name the article describes, with its first description: the speakers' roles
    (``quoted_speakers``), then the descriptions without a word of speech."""
    roles = {s.name: s.role for s in speakers if not s.role.startswith("who")}
    for name, role, _ in _hits(sentences, _ROLE_SHAPES):
        if not (_NOT_A_ROLE.match(role) or role.startswith("who") or _NOT_A_PERSON.search(name)):
            roles.setdefault(name, role)
    return roles


# Someone the article places in the past: "negotiated by Edwin Marsh, then governor of Vantor",
# "the late Ana Ruiz", "Tomas Berg, who died in 2001". Named as history, not a party to the
# talks it reports.
_PAST_SHAPES = (
    re.compile(rf"{_TITLE}{_NAME},\s+then\s+{_ARTICLE}[a-z]"),
    re.compile(rf"\bthe late\s+{_TITLE}{_NAME}"),
    re.compile(rf"{_TITLE}{_NAME},\s+who died\b"),
)


def past_figures(sentences: Sequence[Sentence], speakers: Sequence[Speaker]) -> list[str]:
    """Names the article gives only as history: introduced in a past shape and then never
    among ``speakers`` nor the subject of a word of speech ("Marsh said"), or said to have
    died."""
    quoted = {speaker.name for speaker in speakers}
    text = " ".join(s.text for s in sentences)
    past: list[str] = []
    for at, sentence in enumerate(sentences):
        for shape in _PAST_SHAPES:
            for hit in shape.finditer(sentence.text):
                name = " ".join(hit.group("name").split())
                if name in past:
                    continue
                # "He died in 1989" within the next sentences: history, whatever they once said
                after = " ".join(s.text for s in sentences[at : at + 4])
                surname = name.split()[-1]
                died = re.search(rf"\b(?:[Hh]e|[Ss]he|{re.escape(surname)})\s+died\b", after)
                if died or not (name in quoted or _speaks(surname, text)):
                    past.append(name)
    return past
