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
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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


@cache
def model_json_schema() -> dict[str, Any]:
    """The JSON schema sent as ``response_format``: accepted by OpenAI strict structured outputs."""
    return ModelSummary.model_json_schema()


@cache
def schema_hash() -> str:
    """A short, stable hash of the model-facing schema; cassettes and caches are keyed on it."""
    canonical = json.dumps(model_json_schema(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# --- user-facing ----------------------------------------------------------------------------


class Evidence(_Strict):
    quote: str = Field(description="The quote as the model gave it.")
    start: int | None = Field(None, description="Offset of the matched span in the article.")
    end: int | None = Field(None, description="End offset (exclusive) of the matched span.")
    grounded: bool = Field(False, description="True when the quote was found in the article.")
    match: str = Field("none", description="'exact', 'normalised', 'fuzzy' or 'none'.")
    score: float = Field(0.0, description="Match similarity, 0–100.")


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
    policy: str = "flag"

    @property
    def ratio(self) -> float:
        return self.grounded / self.quotes if self.quotes else 0.0


class Meta(_Strict):
    provider: str
    model: str
    prompt_version: str
    prompt_hash: str
    schema_hash: str
    attempts: int
    usage: Usage
    latency_ms: float
    grounding: GroundingCounts
    cached: bool = False


class SummaryResult(_Strict):
    """The document a user gets from the CLI and the API."""

    summary: Summary
    meta: Meta
