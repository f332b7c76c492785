"""``concord eval --junit FILE``: JUnit XML a CI dashboard reads, parsed here by junitparser as
a dashboard would: one test case per case and model, and a failing one names each expectation
that failed and each regression the gate found."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from junitparser import Failure, JUnitXml

from concord.cli import main
from tests.shipped_evals import BASELINE_PATH, CASES_DIR, CASSETTES_DIR


@pytest.fixture(autouse=True)
def _default_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped cassettes are the default prompt's: drop the test session's v2 pin."""
    monkeypatch.delenv("CONCORD_PROMPT_VERSION", raising=False)


def test_the_junit_file_has_a_case_per_case_and_model_and_names_each_failed_expectation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert BASELINE_PATH.is_file(), "evals/baseline.json is missing"
    cases, cassettes, baseline = tmp_path / "cases", tmp_path / "cassettes", tmp_path / "b.json"
    shutil.copytree(CASES_DIR, cases)
    shutil.copytree(CASSETTES_DIR, cassettes, ignore=shutil.ignore_patterns("*.json"))
    shutil.copy(BASELINE_PATH, baseline)
    before = json.loads(baseline.read_text(encoding="utf-8"))
    # Break every required participant of one case: each expectation now demands a role nobody
    # has, under the same id, so the gate reports each as a regression too.
    case_id = "hospital-strike"
    expected = cases / case_id / "expected.yaml"
    spec = yaml.safe_load(expected.read_text(encoding="utf-8"))
    labels = []
    for index, entry in enumerate(spec["participants"]["required"]):
        aliases = entry if isinstance(entry, list) else entry["aliases"]
        spec["participants"]["required"][index] = {"aliases": aliases, "role": ["zzyzx"]}
        labels.append(aliases[0])
    expected.write_text(yaml.safe_dump(spec), encoding="utf-8")
    junit = tmp_path / "ci" / "eval.xml"

    code = main([
        "eval", "--cases", str(cases), "--cassettes", str(cassettes), "--baseline",
        str(baseline), "--reports-dir", str(tmp_path / "reports"), "--gate",
        "--junit", str(junit),
    ])  # fmt: skip

    assert code == 1
    assert f"JUnit XML: {junit}" in capsys.readouterr().out
    results = json.loads((tmp_path / "reports" / "eval-results.json").read_text("utf-8"))
    ran = {(run["model_id"], run["case_id"]) for run in results["runs"]}
    xml = JUnitXml.fromfile(str(junit))
    found = {(case.classname, case.name): case for suite in xml for case in suite}
    assert set(found) == ran
    for (model_id, name), case in found.items():
        failures = [item for item in case.result if isinstance(item, Failure)]
        run = next(r for r in results["runs"] if (r["model_id"], r["case_id"]) == (model_id, name))
        if name != case_id:
            assert bool(failures) == (not run["score"]["passed"]), (model_id, name)
            continue
        assert len(failures) == 1, (model_id, name)
        text = failures[0].text or ""
        failed = [e["id"] for e in run["score"]["expectations"] if not e["passed"]]
        assert {f"participants.required:{label}" for label in labels} <= set(failed)
        for expectation in run["score"]["expectations"]:
            if not expectation["passed"]:
                assert f"expectation {expectation['id']!r}" in text
                assert expectation["reason"] in text
        was = before["models"][model_id]["cases"][case_id]["expectations"]
        for label in labels:
            key = f"participants.required:{label}"
            regression = f"regression: expectation {key!r}: passed → FAILS"
            assert (regression in text) == was[key], (model_id, key)
