"""The output file: one JSON line per finished article, appended, flushed and synced at once.

This file is also the batch's memory. A rerun reads it and skips every id already in it, so a
run killed at any moment (even ``kill -9``) loses no finished article and repeats none: a line
is written with one ``write`` of the whole line and synced before the next article is counted
as done; a line torn by a crash mid-write (no final newline) is cut off, and its article runs
again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from concord.batch.inputs import CorpusError


class Ledger:
    """Append-only JSONL of ``{"id", "summary"|"problem", "meta"}`` records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.finished: dict[str, bool] = {}  # id → succeeded
        self._load()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("ab")

    def append(self, item_id: str, record: dict[str, Any]) -> None:
        """Write ``record`` for ``item_id`` durably; an id already written is not written again."""
        if item_id in self.finished:
            return
        line = json.dumps({"id": item_id, **record}, ensure_ascii=False) + "\n"
        self._file.write(line.encode())
        self._file.flush()
        os.fsync(self._file.fileno())
        self.finished[item_id] = "summary" in record

    def close(self) -> None:
        self._file.close()

    def _load(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) < len(data):
            with self.path.open("r+b") as file:  # a crash tore the last line: drop it
                file.truncate(len(complete))
        for number, line in enumerate(complete.splitlines(), start=1):
            try:
                record = json.loads(line)
                self.finished[str(record["id"])] = "summary" in record
            except (ValueError, KeyError, TypeError):
                raise CorpusError(
                    f"{self.path} line {number} is not a Concord batch record; "
                    "choose another output file"
                ) from None
