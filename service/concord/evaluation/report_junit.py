"""The eval run as JUnit XML, the format CI dashboards (GitHub Actions, GitLab, Jenkins) read.

One ``<testcase>`` per case and model (``classname`` the model id, ``name`` the case id); a
case that fails has a ``<failure>`` listing each failed expectation with its reason, the
forbidden phrases found and the run's error, and, with ``--gate``, the regressions against the
baseline. A baseline model that was not replayed at all is a failing test case of its own.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from concord.evaluation.baseline import GateResult
from concord.evaluation.results import CaseRun, EvalRun


def _failures(run: CaseRun) -> list[str]:
    score = run.score
    lines = [
        f"expectation {result.id!r} ({result.field}, {result.kind}) failed: {result.reason}"
        for result in score.expectations
        if not result.passed and (result.required or not score.passed)
    ]
    lines += [f"forbidden phrase found: {phrase!r}" for phrase in score.forbidden_hits]
    if run.error or score.error:
        lines.append(f"error: {run.error or score.error}")
    return lines


def _testcase(suite: ET.Element, classname: str, name: str, seconds: float) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=name, time=f"{seconds:.3f}")


def render_junit(result: EvalRun, verdict: GateResult | None = None) -> str:
    """The JUnit XML document for ``result`` (and the gate's ``verdict``, when gated)."""
    regressions = dict(verdict.regressions) if verdict is not None else {}
    root = ET.Element("testsuites", name="concord eval")
    failed = 0
    for model_id in result.models():
        runs = [run for run in result.runs if run.model_id == model_id]
        suite = ET.SubElement(root, "testsuite", name=model_id)
        properties = ET.SubElement(suite, "properties")
        prompts = sorted({run.prompt_version for run in runs})
        ET.SubElement(properties, "property", name="prompt_version", value=", ".join(prompts))
        ET.SubElement(properties, "property", name="mode", value=result.mode)
        suite_failed = 0
        for run in runs:
            case = _testcase(suite, model_id, run.case_id, (run.latency_ms or 0) / 1000)
            lines = _failures(run) if not run.score.passed else []
            lines += [f"regression: {line}" for line in regressions.pop(
                f"{model_id} / {run.case_id}", [])]  # fmt: skip
            if lines:
                suite_failed += 1
                failure = ET.SubElement(
                    case, "failure", message=f"{run.case_id}: {len(lines)} problem(s)"
                )
                failure.text = "\n".join(lines)
        for where, lines in list(regressions.items()):
            if where == model_id or where.startswith(f"{model_id} / "):
                case = _testcase(suite, model_id, where.split(" / ")[-1] + " (baseline)", 0.0)
                ET.SubElement(case, "failure", message="regression").text = "\n".join(lines)
                suite_failed += 1
                del regressions[where]
        suite.set("tests", str(len(suite.findall("testcase"))))
        suite.set("failures", str(suite_failed))
        failed += suite_failed
    for where, lines in regressions.items():  # a baseline model this run did not replay
        suite = ET.SubElement(root, "testsuite", name=where, tests="1", failures="1")
        case = _testcase(suite, where, "baseline", 0.0)
        ET.SubElement(case, "failure", message="regression").text = "\n".join(lines)
        failed += 1
    root.set("tests", str(len(root.findall("testsuite/testcase"))))
    root.set("failures", str(failed))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: Path, result: EvalRun, verdict: GateResult | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_junit(result, verdict), encoding="utf-8")
