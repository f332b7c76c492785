"""``concord serve`` that cannot start says why in one line and exits non-zero, before listening:
a corrupt embedded model file, a port someone else holds."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from concord.providers.embedded.catalog import DEFAULT_EMBEDDED
from concord.providers.embedded.model_file import _marker, _marker_text
from tests.fakes.openai_server import FakeOpenAIServer
from tests.serving import fake_env, serve_until_exit


def _last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_serve_with_a_corrupt_model_file_exits_with_the_cause_and_the_fix(
    tmp_path: Path,
) -> None:
    pytest.importorskip("xllamacpp")
    # Bit rot: the right size, the marker still vouching for it, the bytes no longer a model.
    corrupt = tmp_path / DEFAULT_EMBEDDED.filename
    with corrupt.open("wb") as model:
        model.truncate(DEFAULT_EMBEDDED.size)
    _marker(corrupt).write_text(_marker_text(corrupt))
    env = {"CONCORD_MODEL": "local", "CONCORD_CACHE_DIR": str(tmp_path)}

    done = serve_until_exit(tmp_path, env)

    assert done.returncode != 0
    line = _last_line(done.stderr)
    assert line.startswith("concord: provider unavailable: the embedded model could not start")
    assert f"{corrupt} is not a loadable model file" in line
    assert "delete it and start again" in line
    assert "Traceback" not in done.stderr + done.stdout
    assert not any(p.startswith("Listening") for p in done.stderr.splitlines())


def test_serve_on_a_taken_port_exits_naming_the_port(
    tmp_path: Path, fake_openai: FakeOpenAIServer
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = serve_until_exit(tmp_path, fake_env(fake_openai), port=port, within_s=60)
    assert done.returncode == 4  # a configuration problem
    assert _last_line(done.stderr) == (
        f"concord: configuration error: port {port} on 127.0.0.1 is already in use: stop the "
        "program listening there, or choose another with --port"
    )
