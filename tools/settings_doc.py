"""The tables of docs/configuration.md, generated from ``concord.settings.Settings``.

The page's prose is written by hand; the tables between its two marker comments are this
module's output, so every setting the page lists is one the code reads, under the variable it
reads it from, with the default it really has. ``python -m tools.settings_doc`` (``make docs``)
rewrites them; ``--check`` exits 1 when the committed page differs, as the test does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo

from concord.settings import Settings

PAGE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
BEGIN = "<!-- BEGIN settings tables: generated from concord.settings by `make docs` -->"
END = "<!-- END settings tables -->"
REGENERATE = "make docs (or: python -m tools.settings_doc)"


@dataclass(frozen=True)
class Row:
    """One setting: where it sits in ``Settings``, the variables that set it, its default."""

    path: tuple[str, ...]
    variables: tuple[str, ...]
    default: str
    description: str


def _is_group(field: FieldInfo) -> bool:
    annotation = field.annotation
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _variables(name: str, field: FieldInfo, prefix: str) -> tuple[str, ...]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        # The upper-case choices are the environment's names; the lower-case one is the field's
        # own name, kept so concord.toml and Python callers can use it.
        return tuple(c for c in alias.choices if isinstance(c, str) and c.isupper())
    if isinstance(alias, str):
        return (alias,)
    return (f"{prefix}{name.upper()}",)


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def rows(
    model: type[BaseModel] = Settings, prefix: str = "CONCORD_", path: tuple[str, ...] = ()
) -> list[Row]:
    """Every leaf setting of ``model``, nested groups walked with pydantic-settings' ``__``."""
    found: list[Row] = []
    for name, field in model.model_fields.items():
        if _is_group(field):
            group = field.annotation
            assert isinstance(group, type)
            assert issubclass(group, BaseModel)
            found += rows(group, f"{prefix}{name.upper()}__", (*path, name))
            continue
        if not field.description:
            dotted = ".".join((model.__name__, *path, name))
            raise ValueError(f"{dotted} has no description: give it Field(description=...)")
        found.append(
            Row((*path, name), _variables(name, field, prefix), _default(field), field.description)
        )
    return found


def _table(selected: Sequence[Row]) -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for row in selected:
        names = ", ".join(f"`{name}`" for name in row.variables)
        meaning = " ".join(row.description.split()).replace("|", "\\|")
        lines.append(f"| {names} | {row.default} | {meaning} |")
    return "\n".join(lines)


def _group_intro(model: type[BaseModel]) -> str:
    text = " ".join((model.__doc__ or "").split())
    return text.replace("``", "`")


def render_tables() -> str:
    """The generated part of the page: the top-level settings, provider keys, then each group."""
    every = rows()
    top = [row for row in every if len(row.path) == 1]
    keyed = {name for name, f in Settings.model_fields.items() if f.validation_alias is not None}
    parts = [
        "### General",
        "The model, the prompt, retries, grounding, the embedded model, logs and Redis.",
        _table([row for row in top if row.path[0] not in keyed]),
        "### Provider keys",
        "Read from the variables each provider documents; keep them out of `concord.toml`.",
        _table([row for row in top if row.path[0] in keyed]),
    ]
    for name, field in Settings.model_fields.items():
        if not _is_group(field):
            continue
        group = field.annotation
        assert isinstance(group, type)
        assert issubclass(group, BaseModel)
        title = group.model_config.get("title") or name
        parts += [
            f"### {title}",
            _group_intro(group),
            _table([row for row in every if row.path[0] == name]),
        ]
    return "\n\n".join(parts)


def render_page(page: str) -> str:
    """``page`` with the text between its markers replaced by freshly generated tables."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(page):
        raise ValueError(f"the page lacks the marker lines {BEGIN!r} and {END!r}")
    return pattern.sub(lambda _: f"{BEGIN}\n\n{render_tables()}\n\n{END}", page, count=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the page, or with ``--check`` say whether it is current (exit 1 if not)."""
    parser = argparse.ArgumentParser(prog="python -m tools.settings_doc", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    parser.add_argument("--page", type=Path, default=PAGE, help=f"default: {PAGE}")
    args = parser.parse_args(argv)
    current = args.page.read_text(encoding="utf-8")
    fresh = render_page(current)
    if args.check:
        if fresh != current:
            print(f"{args.page} is out of date with concord/settings.py: run {REGENERATE}")
            return 1
        return 0
    if fresh != current:
        args.page.write_text(fresh, encoding="utf-8")
        print(f"wrote {args.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
