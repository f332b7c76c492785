"""Eval cases as data: ``evals/cases/<case-id>/article.txt`` plus hand-written ``expected.yaml``.

Adding a case is adding a folder. ``expected.yaml`` is validated by the pydantic models below
(unknown keys are refused), and a bad file fails with the file, the field and the problem named.
Expectations describe what a *correct* summary contains, never what one model happened to say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from concord.errors import ConcordError
from concord.evaluation.matching import keyword_in, name_matches
from concord.schema import Agreement, Disagreement, Participant

_CASE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class InvalidCase(ConcordError):
    """A case folder is incomplete or its ``expected.yaml`` breaks the expectations schema."""

    status = 500
    title = "Invalid eval case"
    slug = "invalid-eval-case"


class NoCasesFolder(InvalidCase):
    """The cases folder is not there: the command was run elsewhere, or pointed wrong."""

    status = 404
    title = "No eval cases"
    slug = "no-eval-cases"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# What one expectation result checks: an expected item (required or optional), a name that must
# not appear (forbidden), a field's item count, or the share of grounded quotes.
ExpectationKind = Literal["required", "optional", "forbidden", "count", "grounding"]

Item_contra = TypeVar("Item_contra", contravariant=True)


class ItemExpectation(Protocol[Item_contra]):
    """One expected participant, agreement or disagreement, as the scorer sees it."""

    @property
    def label(self) -> str:
        """How results name the expectation (part of its stable id)."""
        ...

    def score(self, item: Item_contra) -> float:
        """How well a predicted item matches: 1.0 fully, a fraction partly, 0.0 not at all."""
        ...

    def explain_miss(self, item: Item_contra, field: str) -> str:
        """Why ``item``, the closest prediction in ``field``, is not a full match."""
        ...

    def explain_absent(self, field: str) -> str:
        """Why nothing in ``field`` came close."""
        ...


def _keywords(value: Any) -> Any:
    """A keyword group may be written as one string or a list of alternatives."""
    return [value] if isinstance(value, str) else value


class ParticipantExpectation(_Strict):
    """One participant: any alias may match the predicted name; ``role`` keywords, any of."""

    aliases: list[str] = Field(min_length=1)
    role: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"aliases": [value]}
        if isinstance(value, list):
            return {"aliases": value}
        if isinstance(value, dict) and "role" in value:
            return {**value, "role": _keywords(value["role"])}
        return value

    @property
    def label(self) -> str:
        return self.aliases[0]

    def score(self, item: Participant) -> float:
        """0 unless an alias names ``item``; 0.5 when ``role`` keywords are all missing from
        its role and affiliation."""
        if not any(name_matches(alias, item.name) for alias in self.aliases):
            return 0.0
        role_text = f"{item.role}\n{item.affiliation}"
        if self.role and not any(keyword_in(k, role_text) for k in self.role):
            return 0.5
        return 1.0

    def explain_miss(self, item: Participant, field: str) -> str:
        return (
            f"found {item.name!r}, but its role {item.role!r} ({item.affiliation!r}) has none of "
            f"{self.role}"
        )

    def explain_absent(self, field: str) -> str:
        return f"no predicted participant is named any of {self.aliases}"


class PointExpectation(_Strict):
    """An agreement or disagreement: every keyword group must match one predicted item."""

    groups: list[list[str]] = Field(min_length=1)
    given_label: str = Field("", alias="label")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            value = {"groups": value}
        if isinstance(value, dict) and isinstance(value.get("groups"), list):
            value = {**value, "groups": [_keywords(group) for group in value["groups"]]}
        return value

    @model_validator(mode="after")
    def _no_empty_group(self) -> PointExpectation:
        if any(not group or not all(k.strip() for k in group) for group in self.groups):
            raise ValueError("a keyword group is empty or holds an empty keyword")
        return self

    @property
    def label(self) -> str:
        return self.given_label or " + ".join(group[0] for group in self.groups)

    def score(self, item: Agreement | Disagreement) -> float:
        """The share of keyword groups found in the item."""
        text = _point_text(item)
        hits = sum(any(keyword_in(k, text) for k in group) for group in self.groups)
        return hits / len(self.groups)

    def explain_miss(self, item: Agreement | Disagreement, field: str) -> str:
        text = _point_text(item)
        missing = [g for g in self.groups if not any(keyword_in(k, text) for k in g)]
        return f"closest {field[:-1]} {point_name(item)!r} lacks {_groups_text(missing)}"

    def explain_absent(self, field: str) -> str:
        return f"no predicted {field[:-1]} mentions {_groups_text(self.groups)}"


def point_name(item: Agreement | Disagreement) -> str:
    """What results call a predicted agreement (its statement) or disagreement (its topic)."""
    return item.statement if isinstance(item, Agreement) else item.topic


def _point_text(item: Agreement | Disagreement) -> str:
    """Everything a point's keywords may be found in: the statement or topic, the parties or
    positions, and the evidence quotes."""
    quotes = [e.quote for e in item.evidence]
    if isinstance(item, Agreement):
        parts = [item.statement, *item.parties, *quotes]
    else:
        parts = [item.topic, *(f"{p.party}: {p.position}" for p in item.positions), *quotes]
    return "\n".join(parts)


def _groups_text(groups: list[list[str]]) -> str:
    return " AND ".join("(" + " | ".join(g) + ")" for g in groups)


class _Counted(_Strict):
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> _Counted:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class ParticipantsExpectation(_Counted):
    required: list[ParticipantExpectation] = Field(default_factory=list)
    optional: list[ParticipantExpectation] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)


class PointsExpectation(_Counted):
    required: list[PointExpectation] = Field(default_factory=list)
    optional: list[PointExpectation] = Field(default_factory=list)


class GroundingExpectation(_Strict):
    min_share: float = Field(0.0, ge=0.0, le=1.0)


class Expectations(_Strict):
    """The whole of one ``expected.yaml``."""

    description: str = ""
    participants: ParticipantsExpectation = Field(default_factory=ParticipantsExpectation)
    agreements: PointsExpectation = Field(default_factory=PointsExpectation)
    disagreements: PointsExpectation = Field(default_factory=PointsExpectation)
    grounding: GroundingExpectation = Field(default_factory=GroundingExpectation)


@dataclass(frozen=True, slots=True)
class Case:
    """One eval case: its id (the folder name), article text and expectations."""

    id: str
    article: str
    expected: Expectations
    folder: Path


def _describe(error: ValidationError) -> str:
    problems = []
    for err in error.errors():
        where = ".".join(str(part) for part in err["loc"]) or "top level"
        problems.append(f"field '{where}': {err['msg']}")
    return "; ".join(problems)


def parse_expectations(text: str, source: Path) -> Expectations:
    """Parse and validate one ``expected.yaml``; errors name the file, the field and the problem."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidCase(f"{source}: not valid YAML: {exc}") from None
    try:
        return Expectations.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        raise InvalidCase(f"{source}: {_describe(exc)}") from None


def load_case(folder: Path) -> Case:
    """Load one case folder."""
    if not _CASE_ID.match(folder.name):
        raise InvalidCase(f"{folder}: case ids are lower-case letters, digits and dashes")
    article, expected = folder / "article.txt", folder / "expected.yaml"
    for needed in (article, expected):
        if not needed.is_file():
            raise InvalidCase(f"{folder}: missing {needed.name}")
    return Case(
        id=folder.name,
        article=article.read_text(encoding="utf-8"),
        expected=parse_expectations(expected.read_text(encoding="utf-8"), expected),
        folder=folder,
    )


def load_cases(directory: Path, only: list[str] | None = None) -> list[Case]:
    """Every case under ``directory`` (sorted by id), or just those named in ``only``."""
    if not directory.is_dir():
        # "--cases kerry-lavrov" was the case filter before --cases named the folder
        ids = directory.parent == Path() and (Path("evals", "cases") / directory.name).is_dir()
        hint = f"; to run only some cases, pass --only {directory}" if ids else ""
        raise NoCasesFolder(
            f"no cases folder at {directory.absolute()}; run concord eval where evals/ is, "
            f"or pass --cases DIR{hint}"
        )
    folders = sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
    if only:
        known = {p.name for p in folders}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise InvalidCase(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(known)}")
        folders = [p for p in folders if p.name in only]
    return [load_case(folder) for folder in folders]
