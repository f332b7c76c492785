"""The eval suite as CI runs it: replay every shipped cassette offline, then gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from concord.cli import main
from concord.evaluation.cases import load_cases
from concord.settings import Settings
from tests.shipped_evals import BASELINE_PATH, CASES_DIR, CASSETTES_DIR, EVALS, HISTORY


@pytest.fixture(autouse=True)
def _default_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped cassettes are the default prompt's: drop the test session's v2 pin."""
    monkeypatch.delenv("CONCORD_PROMPT_VERSION", raising=False)


def _history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCORD_PROMPT_VERSION", "summarise/v2")


def _require_recordings() -> None:
    assert BASELINE_PATH.is_file(), "evals/baseline.json is missing: concord eval --update-baseline"
    assert any(CASSETTES_DIR.glob("*/*.yaml")), "no shipped cassettes: concord eval --record"


def test_replay_and_gate_pass_offline_and_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _require_recordings()
    monkeypatch.chdir(EVALS.parent)  # no paths given: ./evals/ of the working directory
    code = main(["eval", "--gate", "--reports-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "gate: passed" in out
    results = json.loads((tmp_path / "eval-results.json").read_text(encoding="utf-8"))
    assert {run["prompt_version"] for run in results["runs"]} == {Settings().prompt_version}
    html = (tmp_path / "eval-report.html").read_text(encoding="utf-8")
    assert "<mark" in html
    assert "<script" not in html


def _copy_suite(
    tmp_path: Path, cassettes_from: Path = CASSETTES_DIR, baseline_from: Path = BASELINE_PATH
) -> tuple[Path, Path, Path]:
    cases, cassettes, baseline = tmp_path / "cases", tmp_path / "cassettes", tmp_path / "b.json"
    shutil.copytree(CASES_DIR, cases)
    shutil.copytree(cassettes_from, cassettes, ignore=shutil.ignore_patterns("*.json"))
    shutil.copy(baseline_from, baseline)
    return cases, cassettes, baseline


def _args(cases: Path, cassettes: Path, baseline: Path, tmp_path: Path) -> list[str]:
    return [
        "eval",
        "--cases",
        str(cases),
        "--cassettes",
        str(cassettes),
        "--baseline",
        str(baseline),
        "--reports-dir",
        str(tmp_path / "reports"),
    ]


def test_a_copied_case_folder_with_edited_expectations_runs_without_code_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _require_recordings()
    cases, cassettes, baseline = _copy_suite(tmp_path)
    shutil.copytree(cases / "kerry-lavrov", cases / "kerry-lavrov-names-only")
    (cases / "kerry-lavrov-names-only" / "expected.yaml").write_text(
        "participants:\n  required:\n    - [John Kerry, Kerry]\n", encoding="utf-8"
    )
    for folder in cassettes.iterdir():
        shutil.copy(folder / "kerry-lavrov.yaml", folder / "kerry-lavrov-names-only.yaml")

    args = _args(cases, cassettes, baseline, tmp_path)
    code = main([*args, "--only", "kerry-lavrov-names-only"])

    out = capsys.readouterr().out
    assert code == 0
    assert "kerry-lavrov-names-only" in out
    results = json.loads((tmp_path / "reports" / "eval-results.json").read_text(encoding="utf-8"))
    ids = {r["id"] for run in results["runs"] for r in run["score"]["expectations"]}
    assert ids == {"participants.required:John Kerry"}


def test_breaking_an_expectation_turns_the_gate_red_with_a_readable_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _require_recordings()
    cases, cassettes, baseline = _copy_suite(tmp_path)
    data = json.loads(baseline.read_text(encoding="utf-8"))
    # A participant expectation that passes in the baseline...
    model_id, case_id, key = next(
        (m, c, k)
        for m, entry in data["models"].items()
        for c, case in entry["cases"].items()
        for k, passed in case["expectations"].items()
        if passed and k.startswith("participants.required:")
    )
    label = key.split(":", 1)[1]
    # ...now demands a role nobody has; its id (and so its baseline entry) stays the same.
    expected = cases / case_id / "expected.yaml"
    spec = yaml.safe_load(expected.read_text(encoding="utf-8"))
    required = spec["participants"]["required"]
    for index, entry in enumerate(required):
        aliases = entry if isinstance(entry, list) else entry["aliases"]
        if aliases[0] == label:
            required[index] = {"aliases": aliases, "role": ["zzyzx"]}
    expected.write_text(yaml.safe_dump(spec), encoding="utf-8")

    code = main([*_args(cases, cassettes, baseline, tmp_path), "--gate", "--only", case_id])

    out = capsys.readouterr().out
    assert code == 1
    assert "gate: FAILED" in out
    assert f"{model_id} / {case_id}" in out
    assert f"expectation '{key}': passed → FAILS" in out
    assert "has none of ['zzyzx']" in out
    assert "participants F1" in out
    assert "concord eval --update-baseline" in out


def _recorded_models(baseline: Path = BASELINE_PATH) -> list[str]:
    models = list(json.loads(baseline.read_text(encoding="utf-8"))["models"])
    assert len(models) >= 2, "the baseline should hold two models: the embedded Qwen and another"
    return models


QWEN = "local:qwen2.5-coder-1.5b-instruct-q4_k_m"
QWEN_SMALL = "local:qwen2.5-coder-0.5b-instruct-q4_k_m"
GEMMA = "local:gemma3-270m-q4_k_m"


@pytest.mark.parametrize(
    ("suite", "prompt", "first", "second"),
    [
        (EVALS, None, QWEN, QWEN_SMALL),
        (HISTORY, "summarise/v2", QWEN, GEMMA),
    ],
    ids=["default prompt", "summarise-v2 history"],
)
def test_two_models_side_by_side_in_one_table_and_one_report(
    suite: Path,
    prompt: str | None,
    first: str,
    second: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _require_recordings()
    cassettes = suite / "cassettes" if suite == EVALS else suite
    if prompt is not None:
        monkeypatch.setenv("CONCORD_PROMPT_VERSION", prompt)  # what that folder was recorded with
    assert {first, second} <= set(_recorded_models(suite / "baseline.json"))

    code = main([
        "eval", "--providers", f"{first},{second}", "--cases", str(CASES_DIR),
        "--cassettes", str(cassettes), "--reports-dir", str(tmp_path),
    ])  # fmt: skip

    out = capsys.readouterr().out
    assert code == 0
    table = out[out.index("side by side") :].splitlines()
    header = table[1]
    assert header.index(first) < header.index(second)  # one column per model, in the order asked
    results = json.loads((tmp_path / "eval-results.json").read_text(encoding="utf-8"))
    for model_id in (first, second):
        runs = [r for r in results["runs"] if r["model_id"] == model_id]
        assert len(runs) == len(load_cases(CASES_DIR))
        # Means and counts cover the cases recorded for the model, not those never recorded.
        recorded = [r for r in runs if r["recorded_at"] is not None]
        passed = sum(r["score"]["passed"] for r in recorded)
        rows = {line.split("  ")[0]: line for line in table}
        assert f"{len(recorded)}/{len(runs)}" in rows["cases recorded"]
        assert f"{passed}/{len(recorded)}" in rows["cases passed"]
    html = (tmp_path / "eval-report.html").read_text(encoding="utf-8")
    side = html[html.index("<h2>Side by side</h2>") : html.index("</table>")]
    assert first in side
    assert second in side
    assert "grounded share" in side


def test_the_gate_fails_when_a_recorded_model_loses_its_cassettes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _require_recordings()
    cases, cassettes, baseline = _copy_suite(tmp_path)
    gone = _recorded_models()[-1]
    provider, model = gone.split(":", 1)
    shutil.rmtree(cassettes / f"{provider}__{model}")

    code = main([*_args(cases, cassettes, baseline, tmp_path), "--gate"])

    out = capsys.readouterr().out
    assert code == 1
    assert f"  {gone}\n    - model is in the baseline but nothing was replayed" in out


def test_run_where_there_is_no_evals_folder_it_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    code = main(["eval", "--gate"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"concord: no eval cases: no cases folder at {tmp_path}/evals/cases;")
    assert "--cases DIR" in err


def test_case_ids_given_to_cases_get_a_pointer_to_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EVALS.parent)

    code = main(["eval", "--cases", "kerry-lavrov", "--gate"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.rstrip().endswith("to run only some cases, pass --only kerry-lavrov")
