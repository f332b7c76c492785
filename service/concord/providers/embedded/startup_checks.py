"""Why the embedded model will not start, said in one line that names the cause and the fix.

llama.cpp explains a failed start in its own log, in words meant for its developers, and the
kernel's out-of-memory killer explains nothing at all. ``concord serve`` starts the model before
it listens, so whatever is said here is what its user reads, once, before it exits non-zero.
Three causes are common enough to name: a model file that is not what it should be, a port
someone else took, and too little memory. The checks that can run before the model is spawned
(the file's hash, free memory) run first, because they take milliseconds to seconds where a
failed model load takes tens of seconds.
"""

from __future__ import annotations

import hashlib
import re
import signal
from collections.abc import Sequence
from pathlib import Path

from concord.providers.embedded.child import PROMPT_CACHE_MIB

_GB = 1e9
# Beyond the mmapped GGUF: llama.cpp's compute buffers and the child interpreter. The embedded
# Qwen2.5-1.5B child measures about 1.9 GB resident with its 1.1 GB file and a 4,096-token slot.
_RUNTIME_BYTES = 600_000_000
_KV_BYTES_PER_TOKEN = 32_768  # an upper bound for the small models Concord embeds (f16 K and V)
_CORRUPT = re.compile(r"invalid magic|failed to load model|gguf_init|unexpected end of file")
_PORT_TAKEN = re.compile(r"couldn't bind|address already in use", re.IGNORECASE)
_NO_MEMORY = re.compile(r"out of memory|failed to allocate|bad_alloc|cannot allocate", re.I)


def memory_needed(model_bytes: int, n_ctx: int) -> int:
    """Bytes of free memory the model server needs: the file, its KV cache, its prompt cache in
    RAM (full only after long articles) and its runtime."""
    return model_bytes + n_ctx * _KV_BYTES_PER_TOKEN + PROMPT_CACHE_MIB * 2**20 + _RUNTIME_BYTES


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """The kernel's estimate of memory available to a new process, or None where unknown."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def memory_problem(needed: int, available: int | None) -> str | None:
    """The one-line reason not to start the model with ``available`` bytes free, if any."""
    if available is None or available >= needed:
        return None
    return (
        f"out of memory: the embedded model needs about {needed / _GB:.1f} GB free and "
        f"{available / _GB:.1f} GB is available; stop other programs, lower "
        "CONCORD_LOCAL_PARALLEL, or use a remote model (CONCORD_MODEL)"
    )


def file_matches(path: Path, size: int, sha256: str) -> bool:
    """Whether ``path`` holds exactly the bytes of the published model (size, then SHA-256).

    Called only when a file looks changed (its size or mtime no longer match what was verified),
    so the seconds it takes to hash a gigabyte are spent only when there is reason to.
    """
    try:
        if path.stat().st_size != size:
            return False
        digest = hashlib.sha256()
        with path.open("rb") as data:
            while chunk := data.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def explain_exit(
    exit_code: int, log_lines: Sequence[str], *, model_path: Path, port: int, needed: int
) -> str | None:
    """Cause and fix for a model server that exited while starting; None if not recognised."""
    text = "\n".join(log_lines)
    if exit_code == -signal.SIGKILL or _NO_MEMORY.search(text):
        return (
            f"the model server was killed while loading, most likely out of memory (it needs "
            f"about {needed / _GB:.1f} GB free): stop other programs, lower "
            "CONCORD_LOCAL_PARALLEL, or use a remote model (CONCORD_MODEL)"
        )
    if _PORT_TAKEN.search(text):
        return (
            f"port {port} on 127.0.0.1 was taken by another program before the model server "
            "could listen on it: free the port, or start again (a free port is picked each time)"
        )
    if _CORRUPT.search(text):
        return (
            f"{model_path} is not a loadable model file (it is corrupt or was replaced): "
            "delete it and start again to re-assemble it from the installed parts"
        )
    return None
