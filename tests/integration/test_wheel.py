"""Concord as a user installs it: a wheel built from this checkout, installed without ``-e`` into
a fresh venv, run from a directory that is not the checkout.

The venv gets the wheel and nothing else from the index. Concord's dependencies come from the
environment running the tests, through one ``.pth`` line naming its site-packages: a plain path
line, so the editable install's own ``.pth`` there is not run and the checkout stays off
``sys.path``, and appended after the venv's site-packages, so the venv's ``concord`` wins.
Installing the dependencies afresh would test pip, not Concord, and take minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from concord.prompts import load_prompt
from tests.fakes.openai_server import FakeOpenAIServer
from tests.shipped_evals import BASELINE_PATH, CASES_DIR, CASSETTES_DIR
from tests.support.api import ARTICLE, DEFAULT_PROMPT, valid_summary

CHECKOUT = Path(__file__).resolve().parents[2]
# What a wheel is built from: the files of the project's shape that packaging reads.
SOURCES = ("pyproject.toml", "README.md", "service", "prompts")


@dataclass(frozen=True)
class Installed:
    venv: Path
    site_packages: Path
    wheel: Path

    @property
    def concord(self) -> str:
        return str(self.venv / "bin" / "concord")

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")


def _run(argv: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
        env=_clean_env(),
    )  # fmt: skip


def _clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without Concord's settings or an inherited PYTHONPATH."""
    unset = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("CONCORD_") and k not in unset
    }
    return environment | extra


def _build_wheel(work: Path) -> Path:
    """``pip wheel`` over a copy of the sources (symlinks kept, as git checks them out), so the
    build's own ``build/`` and ``egg-info`` never land in the checkout."""
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        origin = CHECKOUT / name
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
            shutil.copytree(origin, source / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(origin, source / name)
    dist = work / "dist"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), "."],
        cwd=source,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("concord-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(work)
    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    assert made.returncode == 0, made.stderr
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    done = _run([*pip, "install", "--no-deps", "--no-index", "--quiet", str(wheel)], cwd=work)
    assert done.returncode == 0, done.stderr
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    found = _run([str(venv / "bin" / "python"), "-c", purelib], cwd=work)
    site_packages = Path(found.stdout.strip())
    ours = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    (site_packages / "zz_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return Installed(venv, site_packages, wheel)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory far from the checkout, with no prompts/ and no evals/."""
    assert CHECKOUT not in tmp_path.parents
    return tmp_path


def test_the_wheel_carries_the_prompts_as_files(installed: Installed) -> None:
    shipped = installed.site_packages / "concord" / "prompt_templates"
    for written in sorted((CHECKOUT / "prompts").glob("*/*.yaml")):
        copy = shipped / written.parent.name / written.name
        assert copy.is_file()
        assert not copy.is_symlink()
        assert copy.read_bytes() == written.read_bytes(), copy


def test_version_and_the_package_come_from_the_venv(installed: Installed, elsewhere: Path) -> None:
    version = _run([installed.concord, "--version"], cwd=elsewhere)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"concord {installed.wheel.name.split('-')[1]}"

    probe = (
        "import importlib.resources, json, sys, concord;"
        "print(json.dumps([concord.__file__, concord.__version__,"
        " str(importlib.resources.files('concord') / 'prompt_templates'), sys.path]))"
    )
    shown = _run([installed.python, "-c", probe], cwd=elsewhere)
    assert shown.returncode == 0, shown.stderr
    package, version_attr, prompts, path = json.loads(shown.stdout)
    assert Path(package) == installed.site_packages / "concord" / "__init__.py"
    assert version_attr == installed.wheel.name.split("-")[1]
    assert Path(prompts) == installed.site_packages / "concord" / "prompt_templates"
    # The editable install's .pth (in the borrowed site-packages) was not run.
    assert not {str(CHECKOUT), str(CHECKOUT / "service")} & set(path), path


def test_summarise_on_the_fake_provider(
    installed: Installed, elsewhere: Path, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary())
    (elsewhere / "article.txt").write_text(ARTICLE, encoding="utf-8")
    env = _clean_env(
        CONCORD_MODEL="llamacpp:fake-model",
        CONCORD_BASE_URL=fake_openai.base_url,
        CONCORD_CONFIG=str(elsewhere / "absent.toml"),
    )

    done = subprocess.run(
        [installed.concord, "summarise", "article.txt", "--compact"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [p["name"] for p in result["summary"]["participants"]] == ["John Kerry", "Sergei Lavrov"]
    assert result["meta"]["prompt_version"] == DEFAULT_PROMPT  # the shipped copy of it
    assert result["meta"]["prompt_hash"] == load_prompt(DEFAULT_PROMPT).content_hash


def test_eval_gate_on_a_copied_suite(installed: Installed, elsewhere: Path) -> None:
    evals = elsewhere / "evals"
    shutil.copytree(CASES_DIR, evals / "cases")
    shutil.copytree(CASSETTES_DIR, evals / "cassettes")
    shutil.copy(BASELINE_PATH, evals / "baseline.json")

    # The shipped cassettes are the default prompt's: replay refuses them if the installed
    # prompt's hash differs by one byte from the one they were recorded with.
    done = _run([installed.concord, "eval", "--gate"], cwd=elsewhere)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "gate: passed" in done.stdout
    assert (elsewhere / "reports" / "eval-results.json").is_file()


def test_eval_without_a_suite_says_so(installed: Installed, elsewhere: Path) -> None:
    done = _run([installed.concord, "eval"], cwd=elsewhere)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"concord: no eval cases: no cases folder at {elsewhere}/evals/cases; "
        "run concord eval where evals/ is, or pass --cases DIR\n"
    )
