"""Versioned prompt templates: load a YAML file from ``prompts/``, check it, render messages.

The templates are written in the project's top-level ``prompts/`` and ship inside the package as
``concord/prompt_templates/`` (a symlink to that folder in the checkout, copied as real files
into a wheel), so an installed Concord reads them with ``importlib.resources`` wherever it runs.

A template names the variables it takes; rendering with one missing, or a file that uses a
placeholder it does not declare, fails with a ``PromptError`` that says which. Each version has
a content hash so summaries, caches and recorded responses can tell when a prompt changed.
"""

from __future__ import annotations

import hashlib
import json
import string
from functools import cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from concord.errors import PromptError
from concord.schema import schema_hash

SHIPPED_PROMPTS: Traversable = files("concord") / "prompt_templates"


class PromptTemplate(BaseModel):
    """One released prompt version, as stored in ``prompts/<name>/<version>.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    description: str = ""
    kind: Literal["quotes", "sentences"] = "quotes"
    # Which model-facing pass schemas a sentences prompt asks for (schema.PASS_SCHEMAS).
    answer_schemas: Literal["cited", "lean", "brief"] = "cited"
    # Keep a title ("Ms.", "Gen.") with the name after it when splitting sentences (v5 on).
    join_titles: bool = False
    variables: list[str]
    system: str
    user: str
    passes: dict[str, str] = {}
    format_instructions: str
    repair: str

    @property
    def id(self) -> str:
        """``name/version``, as reported in ``meta.prompt_version``."""
        return f"{self.name}/{self.version}"

    @cached_property
    def content_hash(self) -> str:
        """Hash of every part the model sees; editing the file changes it."""
        parts = [self.system, self.user, self.format_instructions, self.repair]
        if self.answer_schemas != "cited":  # older prompts keep the hash they were recorded with
            parts.append(f"answer_schemas\x1f{self.answer_schemas}")
        if self.join_titles:
            parts.append("join_titles")
        parts += [f"{name}\x1f{text}" for name, text in sorted(self.passes.items())]
        return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]

    @property
    def schema_hash(self) -> str:
        """Hash of the output schemas this prompt asks for (its kind's, its passes')."""
        return schema_hash(self.kind, self.passes, self.answer_schemas)

    def render(self, **values: str) -> list[dict[str, str]]:
        """Render the system and user messages; every declared variable must be given."""
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise PromptError(f"prompt {self.id} needs variable(s) {', '.join(missing)}")
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user.format_map(values)},
        ]

    def render_pass(self, name: str, **values: str) -> str:
        """One pass's instruction of a multi-pass prompt, its placeholders filled."""
        return self.passes[name].format_map(values)

    def render_format_instructions(self, schema: dict[str, Any]) -> str:
        return self.format_instructions.format(schema=json.dumps(schema, separators=(",", ":")))

    def render_repair(self, error: str) -> str:
        return self.repair.format(error=error)


def article_values(text: str, title: str | None) -> dict[str, str]:
    """The ``article`` and ``title_line`` variables of a prompt's user message: the one place
    the article is fenced. The templates put it between ``<article>`` tags; a closing tag inside
    the text is defused so an article cannot end its own fence and speak as the prompt."""
    return {
        "article": text.replace("</article>", "</ article>"),
        "title_line": f"Title: {title}\n" if title else "",
    }


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


# What each pass of a sentence-cited prompt is handed besides the shared numbered article.
PASS_VARIABLES: dict[str, set[str]] = {
    "participants": set(),
    "agreements": {"participants", "leads"},
    "disagreements": {"participants", "leads"},
    "verification": {"candidates"},
}
# The verification pass is optional: without it the cited sentences' cues decide alone.
REQUIRED_PASSES = {"participants", "agreements", "disagreements"}


def _check(template: PromptTemplate, path: Traversable) -> None:
    # The system message is sent as written, never formatted: its braces are JSON examples.
    used = _placeholders(template.user)
    undeclared = used - set(template.variables)
    if undeclared:
        raise PromptError(f"{path}: placeholder(s) {sorted(undeclared)} not in 'variables'")
    if template.kind == "sentences" and not set(template.passes) >= REQUIRED_PASSES:
        raise PromptError(f"{path}: a sentences prompt needs passes {sorted(REQUIRED_PASSES)}")
    if template.kind == "quotes" and template.passes:
        raise PromptError(f"{path}: passes belong to kind 'sentences' prompts")
    for name, text in template.passes.items():
        if not _placeholders(text) <= PASS_VARIABLES[name]:
            raise PromptError(
                f"{path}: pass {name} may use only {sorted(PASS_VARIABLES[name])}, "
                f"not {sorted(_placeholders(text) - PASS_VARIABLES[name])}"
            )
    if _placeholders(template.format_instructions) != {"schema"}:
        raise PromptError(f"{path}: format_instructions must use exactly {{schema}}")
    if _placeholders(template.repair) != {"error"}:
        raise PromptError(f"{path}: repair must use exactly {{error}}")


def prompts_dir(override: Path | None = None) -> Traversable:
    """The prompts folder: an explicit override, else ./prompts, else the copy Concord ships."""
    if override is not None:
        return override
    local = Path.cwd() / "prompts"
    return local if local.is_dir() else SHIPPED_PROMPTS


_LOADED: dict[tuple[str, str], PromptTemplate] = {}


def load_prompt(prompt_id: str, directory: Path | None = None) -> PromptTemplate:
    """Load and check ``prompts/<name>/<version>.yaml`` for an id like ``summarise/v1``."""
    # Cached by the folder it resolves to, which can depend on the working directory.
    root = prompts_dir(directory)
    key = (prompt_id, str(root))
    if key not in _LOADED:
        _LOADED[key] = _read_prompt(prompt_id, root)
    return _LOADED[key]


def _read_prompt(prompt_id: str, root: Traversable) -> PromptTemplate:
    name, _, version = prompt_id.partition("/")
    if not name or not version or ".." in prompt_id:
        raise PromptError(f"prompt id must look like 'summarise/v1', got {prompt_id!r}")
    path = root / name / f"{version}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptError(f"no prompt file {path}") from None
    except yaml.YAMLError as exc:
        raise PromptError(f"{path} is not valid YAML: {exc}") from None
    try:
        template = PromptTemplate.model_validate(raw)
    except ValidationError as exc:
        raise PromptError(f"{path}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None
    if (template.name, template.version) != (name, version):
        raise PromptError(f"{path} declares {template.id}, expected {prompt_id}")
    _check(template, path)
    return template
