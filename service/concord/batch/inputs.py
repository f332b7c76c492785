"""Reading a corpus: a folder of ``.txt`` files, or a JSONL file of ``{"id", "text", "title"?}``.

An unreadable item (not UTF-8, not a JSON object, no text) does not stop the batch: it becomes
an ``Item`` carrying its problem, recorded like any failed article. Only a corpus that cannot
be read at all, or that names one id twice (its lines could not be told apart), stops it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concord.article import Article, check_article, decode_article_bytes
from concord.errors import ConcordError, InvalidArticle


class CorpusError(InvalidArticle):
    """The corpus as a whole cannot be used (missing, or one id named twice)."""

    title = "Invalid corpus"
    slug = "invalid-corpus"


@dataclass(frozen=True, slots=True)
class Item:
    """One article of the corpus, or the reason it could not be read."""

    id: str
    text: str = ""
    title: str | None = None
    problem: ConcordError | None = None

    def article(self, max_chars: int) -> Article:
        """The checked article; raises the item's problem, or why the text is unusable."""
        if self.problem is not None:
            raise self.problem
        return check_article(self.text, max_chars=max_chars, title=self.title)


def read_corpus(path: Path) -> list[Item]:
    """Every item of the folder or JSONL file at ``path``, in a stable order."""
    if path.is_dir():
        items = [_from_file(file, path) for file in sorted(path.rglob("*.txt"))]
    elif path.suffix == ".txt":
        raise CorpusError(
            f"{path} is one article: summarise it with `concord summarise`, or give the folder "
            "it is in"
        )
    elif path.is_file():
        items = _from_jsonl(path.read_bytes())
    else:
        raise CorpusError(f"no such folder or file: {path}")
    _refuse_repeated_ids(items)
    return items


def _from_file(file: Path, root: Path) -> Item:
    item_id = file.relative_to(root).with_suffix("").as_posix()
    try:
        return Item(item_id, decode_article_bytes(file.read_bytes()))
    except InvalidArticle as problem:
        return Item(item_id, problem=problem)


def _from_jsonl(data: bytes) -> list[Item]:
    items = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            items.append(_from_line(number, line))
    return items


def _from_line(number: int, line: bytes) -> Item:
    fallback_id = f"line-{number}"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Still try to learn the id, so the problem is recorded under the right name.
        recovered = _id_of(_parse(line.decode("utf-8", errors="replace")))
        item_id = recovered or fallback_id
        problem = InvalidArticle(f"line {number} is not valid UTF-8 (byte offset {exc.start})")
        return Item(item_id, problem=problem)
    found = _parse(text)
    if not isinstance(found, dict):
        return Item(fallback_id, problem=InvalidArticle(f"line {number} is not a JSON object"))
    named = _id_of(found)
    if named is None:
        return Item(fallback_id, problem=InvalidArticle(f'line {number} has no string "id"'))
    article, title = found.get("text"), found.get("title")
    if not isinstance(article, str):
        return Item(named, problem=InvalidArticle(f'line {number} has no string "text"'))
    return Item(named, article, title if isinstance(title, str) else None)


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _id_of(found: Any) -> str | None:
    if isinstance(found, dict) and isinstance(found.get("id"), str | int):
        return str(found["id"])
    return None


def _refuse_repeated_ids(items: list[Item]) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise CorpusError(f"the id {item.id!r} appears more than once in the corpus")
        seen.add(item.id)
