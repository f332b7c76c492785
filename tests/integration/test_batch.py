"""``concord batch`` as a user runs it: a real process, a corpus on disk, the fake provider.

Resumable and lossless is checked the hard way: the run is killed with SIGKILL while articles
are in flight, then run again, and the output must name every id exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.fakes.openai_server import FakeOpenAIServer
from tests.serving import fake_env
from tests.support.api import ARTICLE, CALLS, valid_answer, valid_summary


def batch_command(corpus: Path, output: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "concord.cli", "batch", str(corpus), "-o", str(output), *extra]


def environment(fake: FakeOpenAIServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    return env | {"CONCORD_CONFIG": str(tmp_path / "absent.toml"), **fake_env(fake), **extra}


def records(output: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.read_text().splitlines()]


def write_corpus(folder: Path, count: int) -> list[str]:
    folder.mkdir()
    ids = [f"article-{n:02d}" for n in range(count)]
    for item_id in ids:
        (folder / f"{item_id}.txt").write_text(f"{ARTICLE}\nItem {item_id}.")
    return ids


def test_a_batch_killed_mid_run_resumes_with_every_id_exactly_once(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    ids = write_corpus(tmp_path / "corpus", 12)
    output = tmp_path / "out.jsonl"
    fake_openai.default = valid_answer(delay=0.4)
    env = environment(fake_openai, tmp_path)
    command = batch_command(tmp_path / "corpus", output, "--concurrency", "2")

    first = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not output.exists() or len(output.read_text().splitlines()) < 3:
        assert first.poll() is None, "the batch ended before it could be killed"
        assert time.monotonic() < deadline, "the batch wrote nothing"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    written_before = {record["id"] for record in records(output)}
    assert 3 <= len(written_before) < len(ids)

    second = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert second.returncode == 0, second.stderr
    final = records(output)
    assert sorted(record["id"] for record in final) == ids  # each id once, none lost
    assert all(record["summary"]["participants"] for record in final)
    assert all(record["meta"]["provider"] == "llamacpp" for record in final)
    skipped_row = next(row for row in second.stderr.splitlines() if "(skipped)" in row)
    assert str(len(written_before)) in skipped_row

    third = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert third.returncode == 0
    assert records(output) == final  # nothing left to do, nothing written twice


def test_bad_items_are_recorded_as_problems_and_the_exit_code_says_so(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    lines = [
        json.dumps({"id": "good", "text": ARTICLE, "title": "Talks"}).encode(),
        json.dumps({"id": "empty", "text": "   \n "}).encode(),
        json.dumps({"id": "long", "text": ARTICLE * 40}).encode(),
        b'{"id": "latin1", "text": "caf\xe9"}',
        b"not json at all",
    ]
    corpus.write_bytes(b"\n".join(lines) + b"\n")
    output = tmp_path / "out.jsonl"
    fake_openai.enqueue(*valid_summary())
    env = environment(fake_openai, tmp_path, CONCORD_MAX_ARTICLE_CHARS="2000")

    run = subprocess.run(
        batch_command(corpus, output),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert run.returncode == 5, run.stderr
    by_id = {record["id"]: record for record in records(output)}
    assert set(by_id) == {"good", "empty", "long", "latin1", "line-5"}
    assert by_id["good"]["summary"]["agreements"]
    kinds = {item_id: record["problem"]["type"].rsplit("/", 1)[-1]
             for item_id, record in by_id.items() if "problem" in record}  # fmt: skip
    assert kinds == {
        "empty": "invalid-article",
        "long": "article-too-large",
        "latin1": "invalid-article",
        "line-5": "invalid-article",
    }
    assert "UTF-8" in by_id["latin1"]["problem"]["detail"]
    assert "failed now: invalid-article" in run.stderr
    assert len(fake_openai.requests) == CALLS  # bad items never reach the model
