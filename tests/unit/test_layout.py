"""The arrows of the package run one way: HTTP and the command line sit on top, nothing below
them reaches back up. ``jobs``, ``shared``, ``batch`` and ``serving`` are called by the API and
the CLI alike, so an import of either from them would drag HTTP or argument parsing along."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import concord

PACKAGE = Path(concord.__file__).parent
BELOW = ["jobs", "shared", "batch", "serving"]
ABOVE = ("concord.api", "concord.cli")


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _reaches_up(name: str) -> bool:
    return any(name == top or name.startswith(top + ".") for top in ABOVE)


@pytest.mark.parametrize("folder", BELOW)
def test_nothing_below_the_api_and_the_cli_imports_them(folder: str) -> None:
    modules = sorted((PACKAGE / folder).rglob("*.py"))
    assert modules, f"no modules under concord/{folder}"
    upward = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in modules
        for name in imported(path)
        if _reaches_up(name)
    }
    assert not upward, sorted(upward)


def test_the_walk_sees_an_upward_import(tmp_path: Path) -> None:
    """The check above would pass on an empty walk; this one shows it finds what it looks for."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from concord.cli.summarise import run\n")
    assert {name for name in imported(module) if _reaches_up(name)} == {
        "concord.cli.summarise",
        "concord.cli.summarise.run",
    }
