"""The project's own plumbing as a contributor meets it: what each make target installs, the
versions it installs, and pre-commit running the very checks of ``make lint``."""

from __future__ import annotations

import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tools import constraints

REPO = Path(__file__).resolve().parents[2]


def _dry_run(target: str, venv: Path) -> list[str]:
    """The commands ``make <target>`` would run for a venv that does not exist yet."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target, f"VENV={venv}"],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return done.stdout.splitlines()


def _pip_installs(commands: list[str]) -> list[list[str]]:
    return [
        shlex.split(line)
        for line in commands
        if "pip install" in line and "--upgrade pip" not in line
    ]


def test_make_demo_installs_the_default_model_and_nothing_for_the_tests(tmp_path: Path) -> None:
    (install,) = _pip_installs(_dry_run("demo", tmp_path / "venv"))
    assert install[-1] == ".[local]"
    assert install[install.index("-c") + 1] == "constraints.txt"


def test_make_install_adds_the_other_models_and_the_test_tools(tmp_path: Path) -> None:
    (install,) = _pip_installs(_dry_run("install", tmp_path / "venv"))
    assert install[-1] == ".[local,small,gemma,dev]"
    assert install[install.index("-c") + 1] == "constraints.txt"


def _pinned() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        assert version, f"constraints.txt: {line!r} is not name==version"
        key = canonicalize_name(name)
        assert key not in pins, f"constraints.txt names {name} twice"
        pins[key] = Version(version)
    return pins


def test_constraints_pin_every_requirement_inside_its_range() -> None:
    pins = _pinned()
    for requirement in constraints.project_requirements(REPO / "pyproject.toml"):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} has no line in constraints.txt: make constraints"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {requirement.name} {pins[name]}, outside {requirement}"
        )


def test_what_import_concord_needs_is_a_range_not_a_pin() -> None:
    """A library that pins exactly cannot be installed beside anything else."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = [line for line in project["dependencies"] if "==" in str(Requirement(line).specifier)]
    assert not pinned, f"exact pins in [project] dependencies: {pinned}"


def test_the_generator_follows_requirements_through_installed_packages() -> None:
    """pydantic-settings needs pydantic, which needs pydantic-core: all three are found."""
    found = constraints.closure([Requirement("pydantic-settings")])
    assert {"pydantic-settings", "pydantic", "pydantic-core"} <= set(found)
    assert "pytest" not in found
    with pytest.raises(SystemExit, match="concord-absent-package is required but not installed"):
        constraints.closure([Requirement("concord-absent-package")])


def test_pre_commit_runs_the_same_checks_as_make_lint(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    lint = [
        line.replace(f"{venv}/bin/", ".venv/bin/")
        for line in _dry_run("lint", venv)
        if line.startswith(f"{venv}/bin/") and not line.startswith(f"{venv}/bin/pip ")
    ]
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (local,) = config["repos"]
    assert local["repo"] == "local"  # no hook repository is fetched
    hooks = local["hooks"]
    assert [hook["entry"] for hook in hooks] == lint
    assert all(hook["pass_filenames"] is False for hook in hooks)  # the whole tree, as in CI
