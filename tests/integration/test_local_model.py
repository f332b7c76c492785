"""The embedded llama.cpp model: real server, real model, real child processes.

One server is shared by the module (loading the model costs seconds); tests that stop it start
it again before they return, so test order does not matter.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import psutil
import pytest

from concord.providers.embedded.catalog import DEFAULT_EMBEDDED
from concord.providers.embedded.model_file import (
    EmbeddedModelUnavailable,
    _assemble,
    _marker,
    _marker_text,
    ensure_model_file,
)
from concord.providers.embedded.parent import LocalModelServer

pytestmark = pytest.mark.local_model

REPO_ROOT = Path(__file__).resolve().parents[2]
NAME_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}},
    "required": ["name"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalModelServer]:
    with LocalModelServer() as started:
        yield started


def _children() -> list[psutil.Process]:
    children: list[psutil.Process] = psutil.Process().children(recursive=True)
    return children


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True  # exited; only waiting for whoever adopted it to reap it
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


async def test_answers_strict_json_schema_through_the_openai_client(
    server: LocalModelServer,
) -> None:
    text = "Maria Lopez opened a bakery in Lyon last spring. Her bread sells out every morning."
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key="not-needed") as client:
        response = await client.chat.completions.create(
            model=server.model,
            messages=[
                {"role": "system", "content": "Extract the person's name as JSON."},
                {"role": "user", "content": text},
            ],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "person", "schema": NAME_SCHEMA, "strict": True},
            },
            temperature=0,
            max_tokens=40,
            extra_body={"repeat_penalty": 1.1},
        )
    content = response.choices[0].message.content
    assert content is not None
    data = json.loads(content)
    assert list(data) == ["name"]
    assert "Maria Lopez" in data["name"]


def test_start_is_idempotent(server: LocalModelServer) -> None:
    pid = server.pid
    assert server.start() == server.base_url
    assert server.pid == pid
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.base_url.endswith("/v1")


def test_stop_leaves_no_process_and_start_works_again(server: LocalModelServer) -> None:
    pid = server.pid
    assert pid is not None
    assert pid in [p.pid for p in _children()]

    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    assert not server.running
    assert not psutil.pid_exists(pid)
    assert _children() == []
    server.stop()  # idempotent

    server.start()
    assert server.running
    assert server.pid != pid


def test_server_dies_with_its_parent_even_on_sigkill() -> None:
    parent_script = textwrap.dedent(
        """
        import asyncio
        from concord.providers.embedded.parent import LocalModelServer

        async def main() -> None:
            async with LocalModelServer() as server:
                print(server.pid, flush=True)
                await asyncio.sleep(600)

        asyncio.run(main())
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", parent_script], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert psutil.pid_exists(child_pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    # The orphan is reparented to init (or a subreaper), which reaps it once it exits.
    assert _gone(child_pid, within=10)


def test_cache_file_of_wrong_size_is_replaced_by_a_verified_model(tmp_path: Path) -> None:
    fake = tmp_path / DEFAULT_EMBEDDED.filename
    fake.write_bytes(b"not a model")
    _marker(fake).write_text(_marker_text(fake))  # even a marker cannot vouch for a bad size

    path = ensure_model_file(tmp_path)

    assert path == fake
    assert path.stat().st_size == DEFAULT_EMBEDDED.size
    with path.open("rb") as model:
        assert model.read(4) == b"GGUF"
    assert list(tmp_path.glob("*.tmp")) == []


def test_parts_with_the_wrong_hash_never_become_the_model(tmp_path: Path) -> None:
    parts = [tmp_path / "part1.bin", tmp_path / "part2.bin"]
    for part in parts:
        part.write_bytes(b"x" * 10)
    target = tmp_path / "cache" / DEFAULT_EMBEDDED.filename
    target.parent.mkdir()

    with pytest.raises(EmbeddedModelUnavailable, match="sha256"):
        _assemble(parts, target, size=20, sha256="0" * 64)

    assert list(target.parent.iterdir()) == []


def test_failed_start_names_the_corrupt_file_and_the_fix(tmp_path: Path) -> None:
    # A sparse file of the right size, vouched for by a forged marker: llama.cpp must refuse it.
    bogus = tmp_path / DEFAULT_EMBEDDED.filename
    with bogus.open("wb") as model:
        model.truncate(DEFAULT_EMBEDDED.size)
    _marker(bogus).write_text(_marker_text(bogus))

    local = LocalModelServer(cache_dir=tmp_path, startup_timeout=60)
    with pytest.raises(EmbeddedModelUnavailable, match=r"not a loadable model file.*delete it"):
        local.start()
    assert not local.running
    assert not [p for p in _children() if str(tmp_path) in " ".join(p.cmdline())]
