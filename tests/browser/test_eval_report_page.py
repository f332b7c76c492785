"""``reports/eval-report.html``, as ``concord eval`` writes it, opened in the same headless
Chromium: it must render every case with no console error and load nothing from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import chromium, watched_page

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]


def test_the_eval_report_opens_without_errors(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    # The shipped cassettes are the default prompt's: drop the test session's v2 pin.
    env = {k: v for k, v in os.environ.items() if k != "CONCORD_PROMPT_VERSION"}
    subprocess.run(
        [sys.executable, "-m", "concord.cli", "eval", "--reports-dir", str(reports)],
        cwd=REPO, check=True, capture_output=True, timeout=120, env=env,
    )  # fmt: skip
    report = reports / "eval-report.html"
    cases = sorted(path.name for path in (REPO / "evals/cases").iterdir() if path.is_dir())
    with chromium(tmp_path / "profile") as context:
        watched = watched_page(context)
        watched.page.goto(report.as_uri())
        for case in cases:
            expect(watched.page.get_by_text(case).first).to_be_visible()
        expect(watched.page.locator("mark").first).to_be_visible()  # evidence is highlighted
    assert watched.errors == []
    assert watched.foreign_requests(report.as_uri()) == []
