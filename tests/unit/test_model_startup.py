"""The one-line reasons the embedded model gives for not starting, from its exit and its log."""

from __future__ import annotations

import hashlib
import signal
from pathlib import Path

from concord.providers.embedded.startup_checks import (
    available_memory,
    explain_exit,
    file_matches,
    memory_needed,
    memory_problem,
)

MODEL = Path("/cache/model.gguf")
NEEDED = memory_needed(1_117_320_768, 4096)


def _explain(code: int, *log: str) -> str | None:
    return explain_exit(code, list(log), model_path=MODEL, port=40123, needed=NEEDED)


def test_a_model_killed_by_the_kernel_is_called_out_of_memory() -> None:
    reason = _explain(-signal.SIGKILL, "I llama_model_loader: loaded meta data")
    assert reason is not None
    assert reason.startswith("the model server was killed while loading, most likely out of mem")
    assert f"about {NEEDED / 1e9:.1f} GB free" in reason


def test_a_file_llama_cpp_cannot_load_is_called_corrupt_with_the_fix() -> None:
    reason = _explain(1, "E gguf_init_from_reader: invalid magic characters: '????'")
    assert reason == (
        f"{MODEL} is not a loadable model file (it is corrupt or was replaced): delete it and "
        "start again to re-assemble it from the installed parts"
    )


def test_a_taken_port_names_the_port() -> None:
    reason = _explain(1, "E srv start: couldn't bind HTTP server socket, port: 40123")
    assert reason is not None
    assert reason.startswith("port 40123 on 127.0.0.1 was taken by another program")


def test_an_unknown_failure_is_left_to_the_log() -> None:
    assert _explain(1, "E something nobody has seen before") is None


def test_memory_is_refused_only_when_known_to_be_short() -> None:
    assert memory_problem(NEEDED, None) is None
    assert memory_problem(NEEDED, NEEDED) is None
    reason = memory_problem(NEEDED, 500_000_000)
    assert reason is not None
    assert "0.5 GB is available" in reason
    assert "CONCORD_LOCAL_PARALLEL" in reason


def test_available_memory_is_read_from_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 24000000 kB\nMemAvailable:    2048 kB\n")
    assert available_memory(meminfo) == 2048 * 1024
    assert available_memory(tmp_path / "absent") is None


def test_a_file_matches_only_with_its_size_and_hash(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 100)
    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    assert file_matches(model, 104, sha)
    assert not file_matches(model, 105, sha)
    model.write_bytes(b"GGUF" + b"\1" * 100)  # same size, other bytes
    assert not file_matches(model, 104, sha)
    assert not file_matches(tmp_path / "absent.gguf", 104, sha)
