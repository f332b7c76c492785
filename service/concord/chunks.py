"""Long articles in chunks of whole sentences, and the chunks' answers merged into one summary.

An article whose passes fit the model's context window, and that is no longer than the
configured chunk size, goes through in one piece. A longer one is cut into chunks of whole
sentences with a small overlap (the last sentences of one chunk open the next). Each chunk is a
``SentenceIndex`` that keeps the article's own sentence numbers, so a number cited in any chunk
means the same sentence, and every quote is still ``article[start:end]`` of the whole text.

Merging (``concord.multipass`` runs the passes):

- participants of every chunk go through the one participant builder, which lists the same
  person under several spellings ("Kerry", "Mr. Kerry", "John Kerry") once, with the fullest
  name and role;
- a point found in two chunks (it cites a sentence of the overlap, or says the same thing in
  other sentences) is one point with the parties, positions and sentences of both;
- a disagreement whose sides are reported in different chunks (the same topic, each chunk
  giving one side) becomes one point with both positions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rapidfuzz import fuzz

from concord.cited_summary import same_person
from concord.grounding import fold
from concord.schema import CitedAgreement, CitedDisagreement, ModelPosition
from concord.sentences import SentenceIndex

# News English runs ~4 characters a token; the numbered article ("[123] " a sentence) and names
# cost more, so the fit is judged at 3.
CHARS_PER_TOKEN = 3.0
# What a pass adds to its chunk: the system message, the question with the participant line
# (long on a long article), and the answer's token cap.
PASS_OVERHEAD_TOKENS = 1_800
# The characters "[123] " and a line break add to each numbered sentence.
NUMBERING_CHARS = 7
# A topic or statement this similar (rapidfuzz token-set ratio of its content words) to one
# from another chunk is the same point.
SAME_POINT_RATIO = 85
_WORD = re.compile(r"[^\W\d_]{4,}|\d+")
_FILLER = frozenset(
    re.findall(
        r"\w+",
        "about after against also among because been being between both could does from have "
        "into more most only other over said says should some such than that their them then "
        "there these they this those through under until very were what when where which while "
        "will with would whether",
    )
)


@dataclass(frozen=True, slots=True)
class ChunkOptions:
    """How long articles are cut: ``max_chars`` 0 chunks only what does not fit the context."""

    max_chars: int = 6_000
    overlap_sentences: int = 2
    concurrency: int = 4  # chunks whose passes run at once on a remote provider


def fitting_chars(context_window: int) -> int:
    """The longest numbered text whose every pass fits ``context_window`` tokens."""
    return max(1_000, int((context_window - PASS_OVERHEAD_TOKENS) * CHARS_PER_TOKEN))


def chunk_limit(options: ChunkOptions, context_window: int) -> int:
    """The most characters of numbered text one chunk holds for this model."""
    fit = fitting_chars(context_window)
    return fit if options.max_chars <= 0 else min(options.max_chars, fit)


def plan_chunks(index: SentenceIndex, limit: int, overlap: int) -> list[SentenceIndex]:
    """``index`` as one chunk if it is within ``limit`` characters, else chunks of whole
    sentences of about equal length, each within ``limit`` (a sentence longer than that is a
    chunk of its own), each after the first opening with ``overlap`` sentences of the one
    before."""
    sizes = [len(s.text) + NUMBERING_CHARS for s in index.shown]
    total = sum(sizes)
    if total <= limit or len(sizes) < 2:
        return [index]
    count = math.ceil(total / limit)
    average = total / len(sizes)
    # Each chunk's share, its overlap, and a sentence of slack so the last is not a scrap.
    target = min(limit, total / count + (overlap + 1) * average)
    chunks: list[SentenceIndex] = []
    start = 0
    while True:
        end, size = start, 0
        while end < len(sizes) and (end == start or size + sizes[end] <= target):
            size += sizes[end]
            end += 1
        chunks.append(index.part(start, end))
        if end >= len(sizes):
            return chunks
        start = max(end - overlap, start + 1)


def _content(text: str) -> str:
    return " ".join(w for w in _WORD.findall(fold(text)) if w not in _FILLER)


def _alike(a: str, b: str) -> bool:
    ca, cb = _content(a), _content(b)
    return bool(ca and cb) and fuzz.token_set_ratio(ca, cb) >= SAME_POINT_RATIO


@dataclass
class _Merged:
    chunks: set[int]
    sentences: set[int]
    text: str


def _twin(merged: Sequence[_Merged], chunk: int, sentences: Sequence[int], text: str) -> int:
    """The merged point from another chunk that this one repeats, or -1."""
    for i, point in enumerate(merged):
        if chunk in point.chunks:
            # Two points of one chunk are two points, as that pass listed them; unless it gave
            # them the very same words (one side each of one topic).
            if fold(point.text) == fold(text):
                return i
            continue
        if point.sentences & set(sentences) or _alike(point.text, text):
            return i
    return -1


Point = TypeVar("Point", CitedAgreement, CitedDisagreement)


def _merge(
    per_chunk: Sequence[Sequence[Point]],
    text: Callable[[Point], str],
    join: Callable[[Point, Point], dict[str, Any]],
) -> list[Point]:
    """One list from every chunk's, in order of first mention: a point repeating one of another
    chunk (see ``_twin``) is folded into it, ``join`` saying what it adds besides sentences."""
    points: list[Point] = []
    seen: list[_Merged] = []
    for chunk, found in enumerate(per_chunk):
        for point in found:
            i = _twin(seen, chunk, point.sentences, text(point))
            if i < 0:
                points.append(point)
                seen.append(_Merged({chunk}, set(point.sentences), text(point)))
                continue
            first = points[i]
            sentences = sorted(set(first.sentences) | set(point.sentences))
            points[i] = first.model_copy(update={**join(first, point), "sentences": sentences})
            seen[i].chunks.add(chunk)
            seen[i].sentences |= set(point.sentences)
    return points


def _more_parties(first: CitedAgreement, again: CitedAgreement) -> dict[str, Any]:
    parties = list(first.parties)
    parties += [p for p in again.parties if not any(same_person(p, q) for q in parties)]
    return {"parties": parties}


def _more_positions(first: CitedDisagreement, again: CitedDisagreement) -> dict[str, Any]:
    positions: list[ModelPosition] = list(first.positions)
    positions += [
        p for p in again.positions if not any(same_person(p.party, q.party) for q in positions)
    ]
    return {"positions": positions}


def merge_agreements(per_chunk: Sequence[Sequence[CitedAgreement]]) -> list[CitedAgreement]:
    """One list of agreements from every chunk's, repeats merged with their parties."""
    return _merge(per_chunk, lambda a: a.statement, _more_parties)


def merge_disagreements(
    per_chunk: Sequence[Sequence[CitedDisagreement]],
) -> list[CitedDisagreement]:
    """One list of disagreements from every chunk's: a repeat, or the other side of a topic
    another chunk reported, adds its positions and sentences to the first."""
    return _merge(per_chunk, lambda d: d.topic, _more_positions)
