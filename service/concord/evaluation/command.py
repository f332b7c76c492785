"""``concord eval``: replay the recorded cases (default), or ``--record`` them live; report; gate.

Replay needs no network and no model: it runs in well under a second per case. ``--gate``
compares the run with ``evals/baseline.json`` and exits non-zero on any regression;
``--update-baseline`` rewrites that file from this run. Cases, cassettes and baseline are read
from ``./evals/`` of the current directory unless ``--cases``, ``--cassettes`` or ``--baseline``
point elsewhere, so an installed Concord evaluates whatever project it is run in.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from concord.errors import ConfigurationError
from concord.evaluation.baseline import gate, load_baseline, write_baseline
from concord.evaluation.case_runner import Target, record_cases, replay_case
from concord.evaluation.cases import Case, load_cases
from concord.evaluation.cassettes import CassetteLibrary, read_metadata
from concord.evaluation.freshness import check_fresh
from concord.evaluation.report_html import render_html
from concord.evaluation.report_junit import write_junit
from concord.evaluation.report_terminal import render_table
from concord.evaluation.results import CaseRun, EvalRun
from concord.prompts import PromptTemplate, load_prompt
from concord.providers.profiles import PROFILES, parse_model_id
from concord.redact import configure_logging
from concord.settings import load_settings

EXIT_GATE_FAILED = 1
# Relative on purpose: the evals of the directory the command runs in, not of the package.
CASES_DIR = Path("evals", "cases")
CASSETTES_DIR = Path("evals", "cassettes")
BASELINE_PATH = Path("evals", "baseline.json")


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_argument_group("what to run")
    mode.add_argument("--record", action="store_true", help="call the live model and re-record")
    mode.add_argument(
        "--provider", help="provider profile, e.g. local (the embedded model), openai, ollama"
    )
    mode.add_argument("--model", help="model id 'provider:model'")
    mode.add_argument("--providers", type=_csv, help="replay several recorded models: a,b")
    mode.add_argument("--only", type=_csv, metavar="IDS", help="only these case ids: a,b")
    gating = parser.add_argument_group("baseline")
    gating.add_argument("--gate", action="store_true", help="fail on any drop against the baseline")
    gating.add_argument("--update-baseline", action="store_true", help="rewrite the baseline")
    paths = parser.add_argument_group("paths")
    paths.add_argument(
        "--cases", type=Path, default=CASES_DIR, metavar="DIR", help="default: ./evals/cases"
    )
    paths.add_argument(
        "--cassettes",
        type=Path,
        default=CASSETTES_DIR,
        metavar="DIR",
        help="default: ./evals/cassettes",
    )
    paths.add_argument(
        "--baseline",
        type=Path,
        default=BASELINE_PATH,
        metavar="FILE",
        help="default: ./evals/baseline.json",
    )
    paths.add_argument("--reports-dir", type=Path, default=Path("reports"))
    paths.add_argument(
        "--junit",
        type=Path,
        metavar="FILE",
        help="also write JUnit XML (one test case per case and model) for a CI dashboard",
    )


def _target(model_id: str, provider: str | None = None) -> Target:
    ref = parse_model_id(model_id, provider)
    model = ref.model or PROFILES[ref.provider].default_model
    if not model:
        raise ConfigurationError(f"name the model, e.g. '{ref.provider}:NAME'")
    return Target(ref.provider, model)


def recorded_targets(library: CassetteLibrary) -> list[Target]:
    """Every provider:model with cassettes, read from the cassettes themselves."""
    targets = []
    root = library.root
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        for cassette in sorted(folder.glob("*.yaml")):
            recording = read_metadata(cassette).get("recording") or {}
            if recording.get("provider") and recording.get("model"):
                targets.append(Target(recording["provider"], recording["model"]))
                break
    return targets


def replay_targets(args: argparse.Namespace, library: CassetteLibrary) -> list[Target]:
    if args.providers:
        return [_target(model_id) for model_id in args.providers]
    if args.model or args.provider:
        return [_target(args.model or args.provider, args.provider if args.model else None)]
    targets = recorded_targets(library)
    if not targets:
        raise ConfigurationError(
            f"no recorded cassettes under {library.root}; record some: concord eval --record"
        )
    return targets


async def _replay(
    targets: list[Target], cases: list[Case], prompt: PromptTemplate, library: CassetteLibrary
) -> list[CaseRun]:
    return [
        await replay_case(case, target, prompt, library) for target in targets for case in cases
    ]


def _progress(run: CaseRun) -> None:
    latency = (run.latency_ms or 0) / 1000
    verdict = "pass" if run.score.passed else "FAIL"
    print(f"recorded {run.model_id} / {run.case_id}: {latency:.1f} s, {verdict}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    library = CassetteLibrary(args.cassettes)
    cases = load_cases(args.cases, args.only)
    prompt = load_prompt(settings.prompt_version, settings.prompts_dir)
    if args.record:
        if args.providers:
            raise ConfigurationError("--record takes one --model or --provider, not --providers")
        model_id = args.model or args.provider or settings.model
        ref = parse_model_id(model_id, args.provider if args.model else None)
        runs = asyncio.run(
            record_cases(
                settings, ref=ref, cases=cases, prompt=prompt, library=library, on_case=_progress
            )
        )
    else:
        targets = replay_targets(args, library)
        check_fresh(targets, cases, prompt, library)
        runs = asyncio.run(_replay(targets, cases, prompt, library))
    result = EvalRun(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        mode="record" if args.record else "replay",
        runs=runs,
    )
    print(render_table(result))
    result.write_json(args.reports_dir / "eval-results.json")
    html = args.reports_dir / "eval-report.html"
    html.write_text(render_html(result, cases), encoding="utf-8")
    print(f"reports: {args.reports_dir / 'eval-results.json'}, {html}")
    if args.update_baseline:
        write_baseline(result, args.baseline)
        print(f"baseline rewritten: {args.baseline}")
    verdict = None
    if args.gate:
        if not args.baseline.is_file():
            raise ConfigurationError(f"no baseline at {args.baseline}: run --update-baseline")
        chosen = args.record or args.providers or args.model or args.provider
        verdict = gate(result, load_baseline(args.baseline), args.only, every_model=not chosen)
        print(verdict.render(args.baseline))
    if args.junit is not None:
        write_junit(args.junit, result, verdict)
        print(f"JUnit XML: {args.junit}")
    return EXIT_GATE_FAILED if verdict is not None and not verdict.passed else 0
