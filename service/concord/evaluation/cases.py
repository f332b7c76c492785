"""Eval cases as data: ``evals/cases/<case-id>/article.txt`` plus hand-written ``expected.yaml``.

Adding a case is adding a folder. ``expected.yaml`` is validated by the pydantic models below
(unknown keys are refused), and a bad file fails with the file, the field and the problem named.
Expectations describe what a *correct* summary contains, never what one model happened to say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from concord.errors import ConcordError

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


class PointExpectation(_Strict):
    """An agreement or disagreement: every keyword group must match one predicted item."""

    groups: list[list[str]] = Field(min_length=1)
    label: str = ""

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
    def name(self) -> str:
        return self.label or " + ".join(group[0] for group in self.groups)


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
        raise NoCasesFolder(
            f"no cases folder at {directory.absolute()}; run concord eval where evals/ is, "
            "or pass --cases DIR"
        )
    folders = sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
    if only:
        known = {p.name for p in folders}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise InvalidCase(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(known)}")
        folders = [p for p in folders if p.name in only]
    return [load_case(folder) for folder in folders]
