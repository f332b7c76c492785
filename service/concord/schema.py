"""The shapes Concord speaks: what the model must return, and what a user gets back.

Two families of models live here on purpose. ``Model*`` classes are the *model-facing* contract:
the JSON schema sent to the provider (strict structured outputs: every property required,
``additionalProperties: false``, no defaults) and the shape the raw completion is validated
against. The user-facing classes (``Summary``, ``Evidence`` …) add what only Concord can know:
character offsets and whether each quote was found in the article.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from concord.sources.models import ArticleSource, ExtractedArticle

# How an evidence quote was found in the article: by its cited sentence's number, as is, once
# folded, by fuzzy alignment, or not at all.
MatchKind = Literal["sentence", "exact", "normalised", "fuzzy", "none"]
# What grounding does with an item none of whose quotes is in the article: 'flag' keeps it,
# marked ungrounded; 'strict' drops it.
GroundingPolicy = Literal["flag", "strict"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- model-facing ---------------------------------------------------------------------------


class ModelParticipant(_Strict):
    name: str = Field(description="The person or organisation exactly as the article names them.")
    role: str = Field(description="Their title or role in the article, e.g. 'Foreign Minister'.")
    affiliation: str = Field(description="Country, government or organisation they act for.")
    quotes: list[str] = Field(
        description="Verbatim sentences or phrases copied from the article that show this party."
    )


class ModelAgreement(_Strict):
    statement: str = Field(description="What the parties agreed on, in one sentence.")
    parties: list[str] = Field(description="Names of the participants who agree.")
    quotes: list[str] = Field(description="Verbatim quotes from the article that support it.")


class ModelPosition(_Strict):
    party: str = Field(description="Name of a participant.")
    position: str = Field(description="That participant's stance on the topic.")


class ModelDisagreement(_Strict):
    topic: str = Field(description="What the parties differ on.")
    positions: list[ModelPosition]
    quotes: list[str] = Field(description="Verbatim quotes from the article that support it.")


class ModelSummary(_Strict):
    """What the model must return; validated on every completion, whatever the backend claims."""

    participants: list[ModelParticipant]
    agreements: list[ModelAgreement]
    disagreements: list[ModelDisagreement]


# Multi-pass prompts (summarise/v3) ask for one list per call and take evidence as sentence
# numbers. ``sentences`` comes first in the points so the model cites before it paraphrases.

_SENTENCES = "Numbers of the article sentences that show this, e.g. [3, 7]."


class CitedParticipant(_Strict):
    name: str = Field(
        description="The person's own name as the article writes it (not a title), or the "
        "body's name when no person speaks for it."
    )
    role: str = Field(description="Their title or role, e.g. 'Foreign Minister'.")
    affiliation: str = Field(description="Country, government or organisation they act for.")
    sentences: list[int] = Field(description=_SENTENCES)


class CitedAgreement(_Strict):
    sentences: list[int] = Field(description=_SENTENCES)
    statement: str = Field(description="What they agreed on, briefly, in your own words.")
    parties: list[str] = Field(description="Names of the participants who agree.")


class CitedDisagreement(_Strict):
    sentences: list[int] = Field(description=_SENTENCES)
    topic: str = Field(description="What they differ on, briefly, in your own words.")
    positions: list[ModelPosition]


class ParticipantsPass(_Strict):
    participants: list[CitedParticipant]


class AgreementsPass(_Strict):
    agreements: list[CitedAgreement]


class DisagreementsPass(_Strict):
    disagreements: list[CitedDisagreement]


class Check(_Strict):
    candidate: int = Field(description="The candidate's number.")
    shown: bool = Field(description="True only if the cited sentences show it.")


class VerificationPass(_Strict):
    checks: list[Check]


PASS_OUTPUTS: dict[str, type[BaseModel]] = {
    "participants": ParticipantsPass,
    "agreements": AgreementsPass,
    "disagreements": DisagreementsPass,
    "verification": VerificationPass,
}

# Lean passes (summarise/v5): the same three lists, with keys that ask for a phrase, not a
# sentence. After `"statement": "` a small model goes on with a sentence of the article; after
# `"agreed_to": "` it goes on with what was agreed. Parties come first, so the model names two
# sides before it says what they settled. Each is turned into its cited twin on arrival, so
# every step after the model call sees one shape.


class LeanAgreement(_Strict):
    sentences: list[int] = Field(description=_SENTENCES)
    parties: list[str] = Field(description="The two or more participants who agreed.")
    agreed_to: str = Field(description="What they agreed, in a few words of your own.")

    def cited(self) -> CitedAgreement:
        return CitedAgreement(
            sentences=self.sentences, statement=self.agreed_to, parties=self.parties
        )


class LeanSide(_Strict):
    party: str = Field(description="Name of a participant.")
    stance: str = Field(description="That participant's stance, in a few words of your own.")


class LeanDisagreement(_Strict):
    sentences: list[int] = Field(description=_SENTENCES)
    issue: str = Field(description="What they differ on, in a few words of your own.")
    sides: list[LeanSide]

    def cited(self) -> CitedDisagreement:
        return CitedDisagreement(
            sentences=self.sentences,
            topic=self.issue,
            positions=[ModelPosition(party=s.party, position=s.stance) for s in self.sides],
        )


class LeanAgreementsPass(_Strict):
    agreements: list[LeanAgreement]

    def cited(self) -> AgreementsPass:
        return AgreementsPass(agreements=[a.cited() for a in self.agreements])


class LeanDisagreementsPass(_Strict):
    disagreements: list[LeanDisagreement]

    def cited(self) -> DisagreementsPass:
        return DisagreementsPass(disagreements=[d.cited() for d in self.disagreements])


PassSchemas = Literal["cited", "lean", "brief"]
PASS_SCHEMAS: dict[PassSchemas, dict[str, type[BaseModel]]] = {
    "cited": PASS_OUTPUTS,
    "lean": {
        "participants": ParticipantsPass,
        "agreements": LeanAgreementsPass,
        "disagreements": LeanDisagreementsPass,
    },
    # Brief passes (summarise/v6): the cited shapes, each point's words held to a few by the
    # server's grammar (``BRIEF_PATTERN``) where the profile honours it.
    "brief": {name: PASS_OUTPUTS[name] for name in ("participants", "agreements", "disagreements")},
}
# Longest strings the server's grammar lets the model write, for profiles whose structured
# output honours ``maxLength`` (llama.cpp's): a guard against a run-on copy of the article, set
# well above what the prompt asks for, so a good answer never meets it. (Measured: at 90
# characters for what was agreed, the 1.5B model's copies ran into the cap and ended in
# garbled tokens; the cap guards, the prompt and the own-words check shorten.)
STRING_LIMITS: dict[str, int] = {
    "name": 80,
    "role": 120,
    "affiliation": 120,
    "agreed_to": 160,
    "issue": 120,
    "stance": 160,
    "party": 80,
}

# Brief passes: a statement, topic or position is at most ``BRIEF_WORDS`` words of Latin
# script, one space between words, none longer than 24 characters. The 1.5B model, asked for
# "at most 12 words", copies a whole sentence of the article four times in five; held by the
# grammar it cannot, and it writes a phrase. (Measured: without the script limit, a model held
# to seven English words went on in Chinese; without the length of a word, it glued the rest
# of a sentence into one word, which ``own_words.unglued`` trims.)
BRIEF_WORDS = 7
_WORD_CHARS = "[A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f'\u2019%$\u20ac\u00a3&.,/-]"
_WORD = f"{_WORD_CHARS}{{1,24}}"
BRIEF_PATTERN = f"^{_WORD}( {_WORD}){{0,{BRIEF_WORDS - 1}}}$"
# A side's position starts with what that side does, in the present tense ("refuses to join the
# coalition", "insists on Syrian consent"): the article's own sentence ("Russia has so far
# refused to join…") cannot be copied from its start, and the stance is said first.
STANCE_VERBS = [
    "accepts",
    "accuses",
    "argues",
    "backs",
    "blames",
    "calls",
    "criticises",
    "defends",
    "demands",
    "denies",
    "disputes",
    "doubts",
    "fears",
    "insists",
    "offers",
    "opposes",
    "plans",
    "prefers",
    "proposes",
    "questions",
    "refuses",
    "rejects",
    "says",
    "seeks",
    "supports",
    "suspects",
    "urges",
    "wants",
    "warns",
]
STANCE_PATTERN = f"^({'|'.join(STANCE_VERBS)})( {_WORD}){{0,{BRIEF_WORDS - 1}}}$"
BRIEF_FIELDS: dict[str, str] = {
    "statement": BRIEF_PATTERN,
    "topic": BRIEF_PATTERN,
    "position": STANCE_PATTERN,
}

PromptKind = Literal["quotes", "sentences"]


@cache
def model_json_schema(output: type[BaseModel] = ModelSummary) -> dict[str, Any]:
    """The JSON schema sent as ``response_format``: accepted by OpenAI strict structured outputs."""
    return output.model_json_schema()


def _with_string_keyword(
    schema: dict[str, Any], keyword: str, values: dict[str, Any]
) -> dict[str, Any]:
    """``schema`` with ``keyword`` set on every string property named in ``values``, to the value
    given for that name, at any depth."""

    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: visit(value) for key, value in node.items()}
        for name, prop in (out.get("properties") or {}).items():
            if name in values and prop.get("type") == "string":
                prop[keyword] = values[name]
        return out

    result: dict[str, Any] = visit(schema)
    return result


def with_string_limits(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with ``maxLength`` on every string property named in ``STRING_LIMITS``."""
    return _with_string_keyword(schema, "maxLength", STRING_LIMITS)


def with_brief_patterns(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the pattern ``BRIEF_FIELDS`` names on each string property it names."""
    return _with_string_keyword(schema, "pattern", BRIEF_FIELDS)


def bounded_schema(schema: dict[str, Any], answers: PassSchemas) -> dict[str, Any]:
    """``schema`` with the bounds ``answers`` sets on its strings: ``lean``, a ``maxLength``
    guard; ``brief``, a pattern of a few words; ``cited``, none."""
    if answers == "lean":
        return with_string_limits(schema)
    if answers == "brief":
        return with_brief_patterns(schema)
    return schema


def prompt_outputs(
    kind: PromptKind, passes: Iterable[str], answers: PassSchemas = "cited"
) -> tuple[type[BaseModel], ...]:
    """The model-facing output classes a prompt asks for: ``ModelSummary`` for a quote prompt
    (v1, v2), else the output of each of its ``passes`` from its ``answers`` set (v3, v4:
    ``cited``; v5: ``lean``; v6: ``brief``), in that set's order."""
    if kind == "quotes":
        return (ModelSummary,)
    names = set(passes)
    return tuple(output for name, output in PASS_SCHEMAS[answers].items() if name in names)


def schema_hash(kind: PromptKind, passes: Iterable[str], answers: PassSchemas = "cited") -> str:
    """A short, stable hash of the model-facing schema(s) one prompt asks for.

    No default kind or passes on purpose: they come from the prompt in use
    (``PromptTemplate.schema_hash``), so a change to any schema that prompt sends changes the
    hash; a lean or brief prompt's string bounds count too. Caches and cassettes are keyed on
    it, so a schema change means a miss and re-recording.
    """
    outputs = prompt_outputs(kind, passes, answers)
    return _hash_of(outputs, listed=kind == "sentences", answers=answers)


@cache
def _hash_of(outputs: tuple[type[BaseModel], ...], *, listed: bool, answers: PassSchemas) -> str:
    schemas = [bounded_schema(model_json_schema(output), answers) for output in outputs]
    # A quote prompt's hash is of its one schema, a sentence-cited one's of the list.
    canonical = json.dumps(schemas if listed else schemas[0], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# --- user-facing ----------------------------------------------------------------------------


class Evidence(_Strict):
    quote: str = Field(description="The quote: the model's, or the cited sentence itself.")
    start: int | None = Field(None, description="Offset of the matched span in the article.")
    end: int | None = Field(None, description="End offset (exclusive) of the matched span.")
    grounded: bool = Field(False, description="True when the quote was found in the article.")
    match: MatchKind = Field(
        "none",
        description="'sentence' (cited by number), 'exact', 'normalised', 'fuzzy' or 'none'.",
    )
    score: float = Field(0.0, description="Match similarity, 0–100.")
    sentence: int | None = Field(None, description="The cited sentence's number, if cited so.")


class Participant(_Strict):
    name: str
    role: str
    affiliation: str
    evidence: list[Evidence]
    grounded: bool = True


class Agreement(_Strict):
    statement: str
    parties: list[str]
    evidence: list[Evidence]
    grounded: bool = True


class Position(_Strict):
    party: str
    position: str


class Disagreement(_Strict):
    topic: str
    positions: list[Position]
    evidence: list[Evidence]
    grounded: bool = True


class Summary(_Strict):
    participants: list[Participant]
    agreements: list[Agreement]
    disagreements: list[Disagreement]


class Usage(_Strict):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class GroundingCounts(_Strict):
    quotes: int = Field(0, description="Evidence quotes the model gave.")
    grounded: int = Field(0, description="Quotes found in the article (any match kind).")
    fuzzy: int = Field(0, description="Of those, found only by fuzzy matching.")
    flagged_items: int = Field(0, description="Items with no grounded evidence.")
    dropped_items: int = Field(0, description="Flagged items removed under the strict policy.")
    speakers_added: int = Field(
        0,
        description="Participants listed from the article's own introduction of a speaker "
        '("The harbourmaster, Capt. Liam Fenwick, said") that the passes missed.',
    )
    policy: GroundingPolicy = "flag"

    @property
    def ratio(self) -> float:
        return self.grounded / self.quotes if self.quotes else 0.0


class PassStats(_Strict):
    """One model pass of a multi-pass prompt: what it cost and whether it was cut short."""

    name: str
    calls: int
    prompt_tokens: int = Field(description="Prompt tokens the server counted.")
    cached_tokens: int = Field(description="Of those, reused from the server's prompt cache.")
    completion_tokens: int
    latency_ms: float
    salvaged: bool = Field(
        False,
        description="Cut off at the token cap (complete items kept), or mended on the last "
        "attempt (citations of sentences that do not exist dropped).",
    )
    chunk: int | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="Which chunk of a long article this pass read (1-based); absent when the "
        "article went through in one piece.",
    )


class ChunkStats(_Strict):
    """How a long article was cut into chunks of whole sentences, and how their answers merged."""

    count: int = Field(description="Chunks the participants pass read.")
    limit_chars: int = 0
    overlap_sentences: int = 0
    sentences: list[list[int]] = Field(
        default_factory=list, description="Each chunk's first and last sentence number."
    )
    point_chunks: int = Field(
        1, description="Pieces the agreements and disagreements passes read (the same chunks)."
    )
    participants_found: int = Field(0, description="Participants the chunks listed, in all.")
    participants_merged: int = Field(0, description="Distinct participants after merging.")
    agreements_found: int = 0
    agreements_merged: int = 0
    disagreements_found: int = 0
    disagreements_merged: int = 0


class Withheld(_Strict):
    """A sentence not shown to the model because it addresses the summariser.

    Offsets only: the text is the article's, and an injected name must not reach the output.
    """

    start: int
    end: int


class VerificationCounts(_Strict):
    checked: int = 0
    kept: int = 0
    dropped: int = 0
    kept_by_cue: int = Field(
        0,
        description="Kept for a cue in the cited text although the model doubted it, or with "
        "no model check at all (prompts without a verification pass).",
    )


class Meta(_Strict):
    provider: str
    model: str
    prompt_version: str
    prompt_hash: str
    schema_hash: str
    calls: int
    usage: Usage
    latency_ms: float
    grounding: GroundingCounts
    passes: list[PassStats] = Field(default_factory=list)
    withheld: list[Withheld] = Field(default_factory=list)
    verification: VerificationCounts | None = None
    chunks: ChunkStats | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="Set when a long article was summarised in chunks.",
    )
    cached: bool = False
    # Left out when unset, so summaries made without one (evals, batches) read as before.
    source: ArticleSource | None = Field(None, exclude_if=lambda value: value is None)


class SummaryResult(_Strict):
    """The document a user gets from the CLI and the API."""

    summary: Summary
    meta: Meta
    article: ExtractedArticle | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="The extracted text the evidence offsets refer to (pages and URLs only).",
    )
