"""The fake model's answers: one valid answer per pass of Concord's prompts, keyed on the pass.

A request says which pass it is by the name of its ``response_format`` JSON schema (the pass
name for sentence-cited prompts, ``summary`` for the single-pass quote prompts). Each answer is
validated here against the pass's real output class, so a change to a pass schema fails here,
loudly, rather than in a hundred tests at once. The test fake (``openai_server.PassAnswer``) and
the benchmark stub (``benchmarks/stub.py``) both answer from this one table.

The default answers are grounded in ``ARTICLE``: a sentence-cited pass cites sentences 1 and 2,
which any article of two sentences or more has; the quote prompts' answer quotes ``ARTICLE``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from concord.prompts import load_prompt
from concord.schema import PASS_OUTPUTS, ModelSummary
from concord.settings import Settings

ARTICLE = (
    "US Secretary of State John Kerry and Russian Foreign Minister Sergei Lavrov have agreed to "
    "increase cooperation between intelligence services on Isis, despite divisions over Ukraine.\n"
    '"We both recognise the need to destroy and ultimately defeat Isil," Kerry said.'
)
# The name a single-pass (quote) prompt gives its response_format.
SINGLE_PASS = "summary"
# What the prompt the service runs when nothing is configured is called.
DEFAULT_PROMPT: str = Settings.model_fields["prompt_version"].default

_UKRAINE: dict[str, Any] = {
    "topic": "Ukraine",
    "positions": [
        {"party": "John Kerry", "position": "Divided from Russia over Ukraine."},
        {"party": "Sergei Lavrov", "position": "Divided from the US over Ukraine."},
    ],
}

QUOTES_SUMMARY: dict[str, Any] = {
    "participants": [
        {
            "name": "John Kerry",
            "role": "Secretary of State",
            "affiliation": "United States",
            "quotes": ["We both recognise the need to destroy and ultimately defeat Isil"],
        }
    ],
    "agreements": [
        {
            "statement": "More intelligence cooperation on Isis.",
            "parties": ["John Kerry", "Sergei Lavrov"],
            "quotes": ["increase cooperation between intelligence services on Isis"],
        }
    ],
    "disagreements": [_UKRAINE | {"quotes": ["despite divisions over Ukraine"]}],
}

CITED_PASSES: dict[str, dict[str, Any]] = {
    "participants": {
        "participants": [
            {
                "name": "John Kerry",
                "role": "Secretary of State",
                "affiliation": "United States",
                "sentences": [1, 2],
            },
            {
                "name": "Sergei Lavrov",
                "role": "Foreign Minister",
                "affiliation": "Russia",
                "sentences": [1],
            },
        ]
    },
    "agreements": {
        "agreements": [
            {
                "sentences": [1],
                "statement": "More intelligence cooperation on Isis.",
                "parties": ["John Kerry", "Sergei Lavrov"],
            }
        ]
    },
    "disagreements": {"disagreements": [_UKRAINE | {"sentences": [1]}]},
    # Two candidates (the agreement, then the disagreement), both confirmed; each also has a
    # cue in its sentence ("agreed", "divisions"), so prompts with no verification keep them.
    "verification": {"checks": [{"candidate": 1, "shown": True}, {"candidate": 2, "shown": True}]},
}

_OUTPUTS: dict[str, type[BaseModel]] = {SINGLE_PASS: ModelSummary, **PASS_OUTPUTS}


def checked(answers: Mapping[str, Any]) -> dict[str, Any]:
    """``answers`` with each one validated against its pass's real output class."""
    return {
        name: _OUTPUTS[name].model_validate(value).model_dump() for name, value in answers.items()
    }


DEFAULT_ANSWERS: dict[str, Any] = checked({SINGLE_PASS: QUOTES_SUMMARY, **CITED_PASSES})


def pass_name(body: Any) -> str:
    """The pass a chat-completions request body asks for; ``summary`` when it does not say."""
    if isinstance(body, dict):
        response_format = body.get("response_format")
        if isinstance(response_format, dict):
            schema = response_format.get("json_schema")
            if isinstance(schema, dict) and isinstance(schema.get("name"), str):
                return str(schema["name"])
    return SINGLE_PASS


_NAME = re.compile(rb'"json_schema"\s*:\s*\{\s*"name"\s*:\s*"(\w+)"')


def pass_name_in(raw: bytes) -> str:
    """``pass_name`` of a request body still in bytes, without parsing it (for the stub)."""
    found = _NAME.search(raw)
    return found.group(1).decode() if found else SINGLE_PASS


def answer_text(name: str, answers: Mapping[str, Any] = DEFAULT_ANSWERS) -> str:
    """The completion content that answers pass ``name``, as compact JSON."""
    return json.dumps(answers[name], separators=(",", ":"))


def calls_per_summary(prompt_id: str = DEFAULT_PROMPT) -> int:
    """Model calls one summary of ``ARTICLE`` takes with ``DEFAULT_ANSWERS``: one per pass
    (the answers leave candidates, so a verification pass runs if the prompt has one)."""
    return len(load_prompt(prompt_id).passes) or 1


CALLS = calls_per_summary()
