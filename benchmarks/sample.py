"""The benchmark's fixed inputs: the sample article and a valid, fully grounded model answer.

Every quote below is a sentence copied from ``evals/cases/kerry-lavrov/article.txt``, so the
pipeline does real grounding work (exact matches) on every request, as it would in production.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fakes.answers import DEFAULT_ANSWERS, SINGLE_PASS, answer_text, checked

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PATH = ROOT / "evals" / "cases" / "kerry-lavrov" / "article.txt"
# The profile the stub impersonates: json_schema + llama.cpp sampling extras, like ``local``.
STUB_MODEL_ID = "llamacpp:bench-model"
# The prompt the benchmarks run. The stub answers every pass of every prompt (ANSWERS); the
# single-pass v2 keeps one model call per summary, so the numbers measure Concord, not passes.
STUB_PROMPT_VERSION = "summarise/v2"

_KERRY = (
    "US Secretary of State John Kerry and Russian Foreign Minister Sergei Lavrov have agreed to "
    "increase cooperation between intelligence services on Isis (now known as the Islamic "
    "State), despite divisions over the Ukraine crisis."
)
_INTEL = (
    'Kerry said that the two powers had a "major responsibility" to cooperate on various issues '
    'and had agreed to "intensify intelligence cooperation with respect to Isil and other '
    'counterterrorism challenges of the region".'
)
_UKRAINE = (
    "Washington and Moscow's top diplomats spoke in Paris following talks over areas of "
    "coordination despite a post-Cold War low in relations between the two over Russia's "
    "participation in unrest in Ukraine."
)
_COALITION = (
    "Russia has so far refused to join the coalition because of suspicions that the ultimate aim "
    "of the operation is to remove Russian ally Bashar al-Assad from rule in Syria and Moscow "
    "has insisted that Syrian government approval should have been obtained before strikes."
)
_FIGHTERS = '"There may be as many as 500 or more from Russia," Kerry said.'

MODEL_SUMMARY: dict[str, Any] = {
    "participants": [
        {
            "name": "John Kerry",
            "role": "Secretary of State",
            "affiliation": "United States",
            "quotes": [_KERRY, _FIGHTERS],
        },
        {
            "name": "Sergei Lavrov",
            "role": "Foreign Minister",
            "affiliation": "Russia",
            "quotes": [_KERRY],
        },
    ],
    "agreements": [
        {
            "statement": "The US and Russia will intensify intelligence cooperation against Isis.",
            "parties": ["John Kerry", "Sergei Lavrov"],
            "quotes": [_INTEL],
        }
    ],
    "disagreements": [
        {
            "topic": "Ukraine",
            "positions": [
                {"party": "John Kerry", "position": "Opposes Russia's role in Ukraine's unrest."},
                {"party": "Sergei Lavrov", "position": "Defends Russia's role in Ukraine."},
            ],
            "quotes": [_UKRAINE],
        },
        {
            "topic": "Joining the US-led coalition's air strikes in Syria",
            "positions": [
                {"party": "John Kerry", "position": "Leads the coalition conducting air strikes."},
                {"party": "Sergei Lavrov", "position": "Refuses to join without Syrian approval."},
            ],
            "quotes": [_COALITION],
        },
    ],
}


# What the stub answers, by pass: the summary above for single-pass prompts, the tests' cited
# answers (sentences 1 and 2, which the sample has) for every pass of the others.
ANSWERS: dict[str, Any] = checked({**DEFAULT_ANSWERS, SINGLE_PASS: MODEL_SUMMARY})


def article_text() -> str:
    return SAMPLE_PATH.read_text(encoding="utf-8")


def summary_content() -> str:
    """The completion content of a single-pass answer: the summary as compact JSON."""
    return answer_text(SINGLE_PASS, ANSWERS)


def varied_article(text: str, n: int) -> str:
    """The article with a unique last line, so no cache or coalescing can answer for the model.

    The quotes stay verbatim in the text, so grounding still finds every one of them.
    """
    return f"{text}\n\n(Benchmark copy {n}.)"
