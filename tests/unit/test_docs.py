"""The documentation a reader follows: the front page, the pages under docs/, their links, and
the configuration reference, which is generated from the settings and must match them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import cast

import pytest
from annotated_types import Ge, Le
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from concord.settings import Settings
from tools import settings_doc

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
PAGES = sorted((REPO / "docs").glob("*.md"))
LINKED = [README, REPO / "CONTRIBUTING.md", REPO / "CHANGELOG.md", *PAGES]

# Every heading of the README before it became a front page (867 lines, early issue 20). Each
# section moved to docs/ or stayed; none may vanish.
FORMER_README_HEADINGS = [
    "Two commands",
    "Using it",
    "Output",
    "How a summary is made",
    "Use from Python",
    "Choosing a provider",
    "Choosing a model",
    "Configuration reference",
    "Reader page",
    "HTTP API",
    "Progress as server-sent events",
    "Beyond one machine",
    "A corpus in batch",
    "Replicas sharing state through Redis",
    "Jobs and workers",
    "Scale, measured",
    "Running it for real",
    "Errors",
    "Evals",
    "Prompts",
    "Benchmarks",
    "Development",
]


def _headings(page: Path) -> list[str]:
    """The page's Markdown headings, code blocks skipped (a ``# comment`` there is no heading)."""
    found, in_code = [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (match := re.match(r"#{1,6} (.+)", line)):
            found.append(match.group(1).strip())
    return found


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation gone, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_anchor(heading) for heading in _headings(page)}


def test_the_front_page_is_short_enough_to_finish() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= 300, f"README.md has {lines} lines; move reference material to docs/"


def test_every_former_readme_section_is_still_somewhere() -> None:
    everywhere = {heading for page in [README, *PAGES] for heading in _headings(page)}
    missing = [heading for heading in FORMER_README_HEADINGS if heading not in everywhere]
    assert not missing, f"sections gone from README.md and docs/: {missing}"


def test_the_front_page_links_every_docs_page() -> None:
    text = README.read_text(encoding="utf-8")
    unlinked = [page.name for page in PAGES if f"(docs/{page.name}" not in text]
    assert not unlinked, f"docs pages the README's contents do not reach: {unlinked}"


@pytest.mark.parametrize("page", LINKED, ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_reaches_a_file_and_heading(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(target)
            continue
        if anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(target)
    assert not broken, f"{page.name}: links to nothing: {broken}"


def test_the_configuration_page_is_what_the_settings_generate() -> None:
    committed = settings_doc.PAGE.read_text(encoding="utf-8")
    assert settings_doc.render_page(committed) == committed, (
        f"docs/configuration.md is out of date with concord/settings.py: run "
        f"{settings_doc.REGENERATE} and commit the page"
    )


def test_the_check_command_fails_on_a_stale_page_and_says_how_to_fix_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "configuration.md"
    current = settings_doc.PAGE.read_text(encoding="utf-8")
    stale.write_text(current.replace("`CONCORD_MAX_TOKENS` | `1536`", "`CONCORD_MAX_TOKENS` | `1`"))

    assert settings_doc.main(["--check", "--page", str(stale)]) == 1
    assert "make docs" in capsys.readouterr().out
    assert settings_doc.main(["--page", str(stale)]) == 0  # regenerates it
    assert stale.read_text(encoding="utf-8") == current
    assert settings_doc.main(["--check", "--page", str(stale)]) == 0


def test_a_setting_without_a_description_cannot_be_documented() -> None:
    class Undocumented(BaseModel):
        described: int = Field(1, description="Has one.")
        bare: int = 2

    with pytest.raises(ValueError, match=r"Undocumented\.bare has no description"):
        settings_doc.rows(Undocumented)


def _field(path: tuple[str, ...]) -> FieldInfo:
    model: type[BaseModel] = Settings
    for name in path[:-1]:
        group = model.model_fields[name].annotation
        assert isinstance(group, type)
        assert issubclass(group, BaseModel)
        model = group
    return model.model_fields[path[-1]]


def _sample(field: FieldInfo) -> str:
    """A valid value for ``field`` as an environment variable, different from its default.

    A field whose values have a form of their own (an address, say) gives one as an example;
    a number at its upper bound is sampled one below, an unset one just above its lower bound.
    """
    shown = repr(field.annotation)
    default = field.get_default(call_default_factory=True)
    if field.examples:
        return json.dumps(field.examples[0])
    if "Literal" in shown:
        choices = re.findall(r"'([^']+)'", shown)
        return str(next(choice for choice in choices if choice != default))
    if "list" in shown:
        return '["sample"]'
    if "bool" in shown:
        return "true" if default is False else "false"
    if "int" in shown or "float" in shown:
        floors = [cast("float", bound.ge) for bound in field.metadata if isinstance(bound, Ge)]
        above = int(default or max([1, *floors])) + 1
        ceilings = [cast("float", bound.le) for bound in field.metadata if isinstance(bound, Le)]
        return str(above if all(above <= ceiling for ceiling in ceilings) else above - 2)
    return "/tmp/sample"  # str, Path, SecretStr: a path suits all three


@pytest.mark.parametrize(
    ("variable", "path"),
    [(variable, row.path) for row in settings_doc.rows() for variable in row.variables],
    ids=lambda value: value if isinstance(value, str) else ".".join(value),
)
def test_every_documented_variable_is_the_one_the_settings_read(
    variable: str, path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONCORD_CONFIG", str(tmp_path / "absent.toml"))
    for row in settings_doc.rows():
        for other in row.variables:
            monkeypatch.delenv(other, raising=False)

    def value(settings: Settings) -> object:
        found: object = settings
        for name in path:
            found = getattr(found, name)
        return found

    untouched = value(Settings())
    monkeypatch.setenv(variable, _sample(_field(path)))
    assert value(Settings()) != untouched, f"{variable} does not set {'.'.join(path)}"
