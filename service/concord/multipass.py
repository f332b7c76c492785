"""Sentence-cited, multi-pass summarising (prompts of kind ``sentences``, e.g. summarise/v3).

article → sentences → instructions withheld → participants pass → agreements pass →
disagreements pass → verification pass → summary. Every pass sends the same system message and
the same numbered article first, byte for byte, then its own question, so a server with a
prompt cache (llama.cpp, vLLM, OpenAI) evaluates the article once; ``meta.passes`` reports per
pass the prompt tokens counted and those served from the cache. Every pass goes through the one
ask → validate → repair loop, and a cited number the model was not shown is an error fed back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel

from concord.article import Article
from concord.chunks import (
    ChunkOptions,
    chunk_limit,
    merge_agreements,
    merge_disagreements,
    plan_chunks,
)
from concord.cited_summary import (
    anchor_agreements,
    anchor_disagreements,
    build_participants,
    ground,
)
from concord.injection import screen
from concord.own_words import article_vocabulary, unglued
from concord.progress import StepClock
from concord.prompts import PromptTemplate, article_values
from concord.providers.call import CallOptions
from concord.providers.connection import ConnectedModel
from concord.schema import (
    PASS_SCHEMAS,
    AgreementsPass,
    ChunkStats,
    CitedAgreement,
    CitedDisagreement,
    CitedParticipant,
    DisagreementsPass,
    GroundingCounts,
    GroundingPolicy,
    LeanAgreementsPass,
    LeanDisagreementsPass,
    Participant,
    ParticipantsPass,
    PassStats,
    Summary,
    Usage,
    VerificationCounts,
    VerificationPass,
    Withheld,
)
from concord.sentences import SentenceIndex, split_sentences
from concord.structured_output import request_structured
from concord.verification import (
    Candidate,
    PointKind,
    cue_sentences,
    decide,
    render_candidates,
)

Output = TypeVar("Output", bound=BaseModel)
T = TypeVar("T")

# Token caps per pass: a sentence-cited answer is short; one that runs on is cut off here and
# keeps its complete items rather than looping until the whole budget is gone.
PASS_MAX_TOKENS = {
    "participants": 600,
    "agreements": 500,
    "disagreements": 700,
    "verification": 300,
}


@dataclass
class MultipassOutcome:
    summary: Summary
    counts: GroundingCounts
    passes: list[PassStats]
    withheld: list[Withheld]
    verification: VerificationCounts
    usage: Usage = field(default_factory=Usage)
    calls: int = 0
    chunks: ChunkStats | None = None


@dataclass
class _Passes:
    """Runs the passes of one article against one model, keeping their costs."""

    model: ConnectedModel
    prompt: PromptTemplate
    index: SentenceIndex
    prefix: str
    call: CallOptions
    max_attempts: int
    steps: StepClock
    stats: list[PassStats] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    calls: int = 0

    chunk: tuple[int, int] | None = None  # (k, n): this is chunk k of n of a long article

    @property
    def label(self) -> str:
        return "" if self.chunk is None else f" · chunk {self.chunk[0]} of {self.chunk[1]}"

    async def ask(self, name: str, output: type[Output], **values: str) -> Output:
        step = name + self.label  # "participants · chunk 2 of 5": the CLI and SSE show it
        self.steps.started(step)
        started = time.perf_counter()
        messages = [
            {"role": "system", "content": self.prompt.system},
            {"role": "user", "content": self.prefix + self.prompt.render_pass(name, **values)},
        ]
        cap = min(self.call.max_tokens, PASS_MAX_TOKENS[name])
        result = await request_structured(
            self.model,
            messages,
            _with_cap(self.call, cap),
            self.max_attempts,
            output=output,
            prompt=self.prompt,
            name=name,
            check=self._check_citations,
            hint_in_system=False,
            salvage_cut_off=True,
            last_resort=self._drop_unknown,
            answers=self.prompt.answer_schemas,
        )
        self.usage += result.usage
        self.calls += result.calls
        self.stats.append(
            PassStats(
                name=name,
                calls=result.calls,
                prompt_tokens=result.usage.prompt_tokens,
                cached_tokens=result.cached_tokens,
                completion_tokens=result.usage.completion_tokens,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                salvaged=result.salvaged,
                chunk=None if self.chunk is None else self.chunk[0],
            )
        )
        self.steps.finished(step, result.value.model_dump(mode="json"))
        return result.value

    def _drop_unknown(self, value: Output) -> Output:
        data = value.model_dump()
        for items in data.values():
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and "sentences" in item:
                    item["sentences"] = [
                        n for n in item["sentences"] if n not in self.index.unknown([n])
                    ]
        return type(value).model_validate(data)

    def _check_citations(self, value: BaseModel) -> None:
        for items in value.model_dump().values():
            for item in items if isinstance(items, list) else []:
                self.index.check(item.get("sentences", []) if isinstance(item, dict) else [])


def _with_cap(call: CallOptions, cap: int) -> CallOptions:
    return dataclasses.replace(call, max_tokens=cap)


_LEAD_WORDS = {
    "agreement": "words of agreement, signing or commitment",
    "disagreement": "words of refusal, opposition, criticism, suspicion or conditions",
}


def _leads_line(kind: PointKind, index: SentenceIndex) -> str:
    """Which sentences hold a cue of this kind, for the pass to check first (or that none do)."""
    numbers = cue_sentences(kind, index.shown, index.first)
    if not numbers:
        return f"No sentence uses {_LEAD_WORDS[kind]}."
    listed = ", ".join(f"[{n}]" for n in numbers)
    return f"Sentences with {_LEAD_WORDS[kind]}: {listed}."


def _as_agreements(value: BaseModel) -> AgreementsPass:
    return (
        value.cited()
        if isinstance(value, LeanAgreementsPass)
        else AgreementsPass.model_validate(value)
    )


def _as_disagreements(value: BaseModel) -> DisagreementsPass:
    if isinstance(value, LeanDisagreementsPass):
        return value.cited()
    return DisagreementsPass.model_validate(value)


def _between_parties(agreements: list[CitedAgreement]) -> list[CitedAgreement]:
    """Agreements that name two or more different parties: one side alone agrees with nobody."""
    return [a for a in agreements if len({p.strip().casefold() for p in a.parties}) >= 2]


def _participant_line(people: Sequence[CitedParticipant | Participant]) -> str:
    if not people:
        return "none found"
    return "; ".join(
        f"{p.name} ({', '.join(x for x in (p.role, p.affiliation) if x)})" for p in people
    )


async def summarise_by_sentences(
    article: Article,
    model: ConnectedModel,
    prompt: PromptTemplate,
    *,
    call: CallOptions,
    max_attempts: int,
    policy: GroundingPolicy,
    steps: StepClock | None = None,
    chunking: ChunkOptions | None = None,
    join_titles: bool = True,
) -> MultipassOutcome:
    """Run every pass over one article and assemble the summary; an article longer than
    ``chunking`` allows (or than the model's context holds) is summarised in chunks."""
    steps = steps or StepClock(None)
    steps.started("sentences")
    sentences = split_sentences(article.text, join_titles=join_titles or prompt.join_titles)
    screened = screen(article.text, sentences)  # the whole text, before any chunking
    index = SentenceIndex(tuple(screened.kept))
    withheld = [Withheld(start=s.start, end=s.end) for s in screened.withheld]
    overlap = chunking.overlap_sentences if chunking is not None else 0
    people_limit = chunk_limit(chunking, model.window) if chunking is not None else 0
    people_chunks = plan_chunks(index, people_limit, overlap) if chunking else [index]
    steps.finished(
        "sentences",
        {
            "sentences": len(sentences),
            "withheld": [w.model_dump() for w in withheld],
            "chunks": len(people_chunks),
        },
    )
    texts = _Texts(
        kept="\n".join(s.text for s in screened.kept),
        withheld="\n".join(s.text for s in screened.withheld),
    )
    whole = _Passes(
        model, prompt, index, _prefix(prompt, index, article), call, max_attempts, steps
    )
    if len(people_chunks) == 1:
        summary, counts, verification = await _in_one_piece(whole, texts, policy)
        runs = [whole]
        chunk_stats = None
    else:

        def runs_over(chunks: list[SentenceIndex]) -> list[_Passes]:
            return [
                _Passes(
                    model,
                    prompt,
                    chunk,
                    _prefix(prompt, chunk, article),
                    call,
                    max_attempts,
                    steps,
                    chunk=(k, len(chunks)),
                )
                for k, chunk in enumerate(chunks, start=1)
            ]

        # Every pass reads the chunks: measured on the long eval cases, the points passes over
        # the whole article (the participants merged from the chunks) met fewer expectations.
        readers = runs_over(people_chunks)
        pointers = readers
        at_once = model.slots or (chunking.concurrency if chunking else 1)
        summary, counts, verification, chunk_stats = await _in_chunks(
            readers, pointers, index, texts, policy=policy, at_once=at_once
        )
        chunk_stats.limit_chars = people_limit
        chunk_stats.overlap_sentences = overlap
        runs = readers
    return MultipassOutcome(
        summary,
        counts,
        [stat for run in runs for stat in run.stats],
        withheld,
        verification,
        sum((run.usage for run in runs), Usage()),
        sum(run.calls for run in runs),
        chunk_stats,
    )


@dataclass(frozen=True, slots=True)
class _Texts:
    """The article's shown and withheld sentences, for judging where a name comes from."""

    kept: str
    withheld: str


def _prefix(prompt: PromptTemplate, index: SentenceIndex, article: Article) -> str:
    """The user message's opening, shared byte for byte by every pass over ``index``."""
    return prompt.user.format_map(article_values(index.numbered(), article.title)) + "\n"


async def _participants(passes: _Passes) -> list[CitedParticipant]:
    outputs = PASS_SCHEMAS[passes.prompt.answer_schemas]
    answer = await passes.ask("participants", outputs["participants"])
    return ParticipantsPass.model_validate(answer).participants


async def _points(
    passes: _Passes, line: str
) -> tuple[list[CitedAgreement], list[CitedDisagreement]]:
    """The agreements and disagreements passes over ``passes``' sentences."""
    outputs = PASS_SCHEMAS[passes.prompt.answer_schemas]
    agreed = _as_agreements(
        await passes.ask(
            "agreements",
            outputs["agreements"],
            participants=line,
            leads=_leads_line("agreement", passes.index),
        )
    ).agreements
    if passes.prompt.answer_schemas != "cited" or passes.chunk is not None:
        # One party alone agrees with nobody. Lean and brief prompts ask for this; a chunk's
        # pass, which sees a few paragraphs and lists one side's statements as agreements, is
        # held to it.
        agreed = _between_parties(agreed)
    differ = _as_disagreements(
        await passes.ask(
            "disagreements",
            outputs["disagreements"],
            participants=line,
            leads=_leads_line("disagreement", passes.index),
        )
    ).disagreements
    if passes.prompt.answer_schemas == "brief":
        words = article_vocabulary(" ".join(s.text for s in passes.index.shown))
        agreed, differ = _unglued(agreed, differ, words)
    return agreed, differ


def _unglued(
    agreed: list[CitedAgreement], differ: list[CitedDisagreement], words: frozenset[str]
) -> tuple[list[CitedAgreement], list[CitedDisagreement]]:
    """Brief answers with the words a model glued together to go on copying cut off."""
    return (
        [a.model_copy(update={"statement": unglued(a.statement, words)}) for a in agreed],
        [
            d.model_copy(
                update={
                    "topic": unglued(d.topic, words),
                    "positions": [
                        p.model_copy(update={"position": unglued(p.position, words)})
                        for p in d.positions
                    ],
                }
            )
            for d in differ
        ],
    )


def _candidates(
    agreed: Sequence[CitedAgreement], differ: Sequence[CitedDisagreement], index: SentenceIndex
) -> list[Candidate]:
    return [
        Candidate(
            n,
            "agreement",
            f'"{a.statement}" (parties: {", ".join(a.parties)})',
            index.cited(a.sentences),
            sorted(set(a.sentences)),
        )
        for n, a in enumerate(agreed, start=1)
    ] + [
        Candidate(
            len(agreed) + n,
            "disagreement",
            f'"{d.topic}" ({"; ".join(f"{p.party}: {p.position}" for p in d.positions)})',
            index.cited(d.sentences),
            sorted(set(d.sentences)),
        )
        for n, d in enumerate(differ, start=1)
    ]


async def _verified(
    passes: _Passes | None,
    agreed: list[CitedAgreement],
    differ: list[CitedDisagreement],
    index: SentenceIndex,
) -> tuple[list[CitedAgreement], list[CitedDisagreement], VerificationCounts]:
    """The points the cues (and, with ``passes``, the prompt's verification pass) keep."""
    candidates = _candidates(agreed, differ, index)
    if not candidates:
        return [], [], VerificationCounts()
    checks = None
    if passes is not None and "verification" in passes.prompt.passes:
        asked = await passes.ask(
            "verification", VerificationPass, candidates=render_candidates(candidates)
        )
        checks = asked.checks
    # The cues read the sentences a point copies as well as those it cites; the verification
    # pass was shown the model's own numbers.
    agreed, differ = anchor_agreements(agreed, index), anchor_disagreements(differ, index)
    anchored = [
        dataclasses.replace(candidate, sentences=cues.sentences)
        for candidate, cues in zip(candidates, _candidates(agreed, differ, index), strict=True)
    ]
    differs = bool(cue_sentences("disagreement", index.shown))
    keep, verification = decide(anchored, checks, article_has_difference=differs)
    return (
        [a for n, a in enumerate(agreed, start=1) if n in keep],
        [d for n, d in enumerate(differ, start=len(agreed) + 1) if n in keep],
        verification,
    )


async def _in_one_piece(
    passes: _Passes, texts: _Texts, policy: GroundingPolicy
) -> tuple[Summary, GroundingCounts, VerificationCounts]:
    found = await _participants(passes)
    agreed, differ = await _points(passes, _participant_line(found))
    agreed, differ, verification = await _verified(passes, agreed, differ, passes.index)
    passes.steps.started("grounding")
    people = build_participants(found, passes.index, texts.kept, texts.withheld)
    summary, counts = ground(people, agreed, differ, passes.index, policy)
    passes.steps.finished("grounding", {"grounding": counts.model_dump(mode="json")})
    return summary, counts, verification


async def _each(
    runs: Sequence[_Passes], at_once: int, work: Callable[[_Passes], Awaitable[T]]
) -> list[T]:
    """``work`` on every chunk, at most ``at_once`` at a time, in chunk order; the first
    failure cancels the rest."""
    gate = asyncio.Semaphore(max(1, at_once))

    async def one(run: _Passes) -> T:
        async with gate:
            return await work(run)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(run)) for run in runs]
    except BaseExceptionGroup as failed:
        # The first chunk's failure is the summary's, as it would be in one piece: a provider
        # fault stays a 502/503/504, never an "internal error" wrapped in a group.
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


async def _in_chunks(
    readers: Sequence[_Passes],
    pointers: Sequence[_Passes],
    index: SentenceIndex,
    texts: _Texts,
    *,
    policy: GroundingPolicy,
    at_once: int,
) -> tuple[Summary, GroundingCounts, VerificationCounts, ChunkStats]:
    """Participants from every chunk (``readers``), merged into one list; then the agreements and
    disagreements with that list over every chunk (``pointers``: the same chunks), merged, the
    cues deciding (a verification pass per chunk would read each chunk a third time for a
    verdict the recorded runs showed the cues already give). ``pointers`` may be the one
    whole-article run instead, verified as in one piece: measured on the long eval cases, that
    met fewer expectations than the chunks (``docs/inputs.md``)."""
    found = await _each(readers, at_once, _participants)
    every = [person for people in found for person in people]
    people = build_participants(every, index, texts.kept, texts.withheld)
    line = _participant_line(people)
    points = await _each(pointers, at_once, lambda run: _points(run, line))
    agreed = merge_agreements([a for a, _ in points])
    differ = merge_disagreements([d for _, d in points])
    stats = ChunkStats(
        count=len(readers),
        sentences=[[run.index.first, run.index.highest] for run in readers],
        point_chunks=len(pointers),
        participants_found=len(every),
        participants_merged=len(people),
        agreements_found=sum(len(a) for a, _ in points),
        agreements_merged=len(agreed),
        disagreements_found=sum(len(d) for _, d in points),
        disagreements_merged=len(differ),
    )
    one_piece = len(pointers) == 1 and pointers[0].chunk is None
    agreed, differ, verification = await _verified(
        pointers[0] if one_piece else None, agreed, differ, index
    )
    steps = readers[0].steps
    steps.started("grounding")
    summary, counts = ground(people, agreed, differ, index, policy)
    steps.finished("grounding", {"grounding": counts.model_dump(mode="json")})
    return summary, counts, verification, stats
