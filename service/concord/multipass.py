"""Sentence-cited, multi-pass summarising (prompts of kind ``sentences``, e.g. summarise/v3).

article → sentences → instructions withheld → participants pass → agreements pass →
disagreements pass → verification pass → summary. Every pass sends the same system message and
the same numbered article first, byte for byte, then its own question, so a server with a
prompt cache (llama.cpp, vLLM, OpenAI) evaluates the article once; ``meta.passes`` reports per
pass the prompt tokens counted and those served from the cache. Every pass goes through the one
ask → validate → repair loop, and a cited number the model was not shown is an error fed back.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel

from concord.article import Article
from concord.cited_summary import (
    build_agreements,
    build_disagreements,
    build_participants,
    finish,
)
from concord.injection import screen
from concord.progress import StepClock
from concord.prompts import PromptTemplate, article_values
from concord.providers.call import CallOptions
from concord.providers.connection import ConnectedModel
from concord.schema import (
    PASS_SCHEMAS,
    AgreementsPass,
    CitedAgreement,
    CitedParticipant,
    DisagreementsPass,
    GroundingCounts,
    GroundingPolicy,
    LeanAgreementsPass,
    LeanDisagreementsPass,
    ParticipantsPass,
    PassStats,
    Summary,
    Usage,
    VerificationCounts,
    VerificationPass,
    Withheld,
)
from concord.sentences import Sentence, SentenceIndex, split_sentences
from concord.structured_output import request_structured
from concord.verification import (
    Candidate,
    PointKind,
    cue_sentences,
    decide,
    render_candidates,
)

Output = TypeVar("Output", bound=BaseModel)

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

    async def ask(self, name: str, output: type[Output], **values: str) -> Output:
        self.steps.started(name)
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
            lean=self.prompt.answer_schemas == "lean",
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
            )
        )
        self.steps.finished(name, result.value.model_dump(mode="json"))
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


def _leads_line(kind: PointKind, shown: Sequence[Sentence]) -> str:
    """Which sentences hold a cue of this kind, for the pass to check first (or that none do)."""
    numbers = cue_sentences(kind, shown)
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


def _participant_line(people: list[CitedParticipant]) -> str:
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
) -> MultipassOutcome:
    """Run every pass over one article and assemble the summary."""
    steps = steps or StepClock(None)
    steps.started("sentences")
    sentences = split_sentences(article.text, join_titles=prompt.join_titles)
    screened = screen(article.text, sentences)
    index = SentenceIndex(tuple(screened.kept))
    withheld = [Withheld(start=s.start, end=s.end) for s in screened.withheld]
    steps.finished(
        "sentences",
        {"sentences": len(sentences), "withheld": [w.model_dump() for w in withheld]},
    )
    prefix = prompt.user.format_map(article_values(index.numbered(), article.title)) + "\n"
    passes = _Passes(model, prompt, index, prefix, call, max_attempts, steps)

    outputs = PASS_SCHEMAS[prompt.answer_schemas]
    lean = prompt.answer_schemas == "lean"
    found = ParticipantsPass.model_validate(
        await passes.ask("participants", outputs["participants"])
    ).participants
    line = _participant_line(found)
    agreed = _as_agreements(
        await passes.ask(
            "agreements",
            outputs["agreements"],
            participants=line,
            leads=_leads_line("agreement", index.shown),
        )
    ).agreements
    if lean:
        agreed = _between_parties(agreed)
    differ = _as_disagreements(
        await passes.ask(
            "disagreements",
            outputs["disagreements"],
            participants=line,
            leads=_leads_line("disagreement", index.shown),
        )
    ).disagreements

    candidates = [
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
    keep: set[int] = set()
    verification = VerificationCounts()
    if candidates:
        checks = None
        if "verification" in prompt.passes:
            asked = await passes.ask(
                "verification", VerificationPass, candidates=render_candidates(candidates)
            )
            checks = asked.checks
        differs = bool(cue_sentences("disagreement", index.shown))
        keep, verification = decide(candidates, checks, article_has_difference=differs)
    differ = [d for n, d in enumerate(differ, start=len(agreed) + 1) if n in keep]
    agreed = [a for n, a in enumerate(agreed, start=1) if n in keep]

    steps.started("grounding")
    kept_text = "\n".join(s.text for s in screened.kept)
    withheld_text = "\n".join(s.text for s in screened.withheld)
    people = build_participants(found, index, kept_text, withheld_text)
    summary, counts = finish(
        people,
        build_agreements(agreed, index, people),
        build_disagreements(differ, index, people),
        policy,
    )
    steps.finished("grounding", {"grounding": counts.model_dump(mode="json")})
    return MultipassOutcome(
        summary, counts, passes.stats, withheld, verification, passes.usage, passes.calls
    )
