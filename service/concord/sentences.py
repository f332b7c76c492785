"""Sentences as the unit of evidence: split the article, number it, map cited numbers to spans.

Multi-pass prompts (``summarise/v3``) show the model the article as numbered sentences and take
evidence back as sentence numbers, so every evidence span is ``article[start:end]`` by
construction: the model never retypes a quote. Splitting is two-level. Line breaks always end a
sentence (a headline, a dateline or a photo caption has no full stop); inside a line the
``sentencex`` segmenter finds the boundaries, which knows abbreviations ("U.S.", "Mr.", "p.m."),
initials and quotations that end in ``."`` or ``.”``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sentencex import segment  # type: ignore[import-untyped]

_LINE = re.compile(r"[^\n]+")
# A run of letters or digits: a "sentence" without one (a lone dash, a rule) is not evidence.
_WORDY = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: its 1-based number as the model sees it, and its span in the article."""

    number: int
    start: int
    end: int
    text: str


# Titles news puts before a name. sentencex ends a sentence after one when the sentence before
# it ended just ahead ("… a regional bond. Ms. Ruiz said …" gave "Ms." alone); a piece that ends
# in one is joined to the next piece of its line.
_TITLE_END = re.compile(
    r"(?<!\w)(?:Mr|Mrs|Ms|Mx|Dr|Gen|Sen|Rep|Gov|Lt|Col|Sgt|Capt|Cmdr|Adm|Maj|Prof|Rev|St|Fr|Hon|Pres)"
    r"\.$"
)


def split_sentences(article: str, *, join_titles: bool = False) -> list[Sentence]:
    """Every sentence of ``article`` with exact offsets (``article[start:end] == text``).

    ``join_titles`` (every summary made now) keeps a title such as "Ms." or "Gen." with the
    name after it; a recording made before the splitter did so replays with the split it was
    recorded with.
    """
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(article):
        cursor = line.start()
        joined_from: int | None = None
        for piece in segment("en", line.group()):
            at = article.find(piece, cursor, line.end())
            if at < 0:  # the segmenter changed the text: fall back to the rest of the line
                spans.append((joined_from if joined_from is not None else cursor, line.end()))
                joined_from = None
                break
            start = joined_from if joined_from is not None else at
            cursor = at + len(piece)
            if join_titles and _TITLE_END.search(piece.rstrip()) and cursor < line.end():
                joined_from = start
                continue
            joined_from = None
            spans.append((start, cursor))
        if joined_from is not None:
            spans.append((joined_from, cursor))
    sentences: list[Sentence] = []
    for span_start, span_end in spans:
        text = article[span_start:span_end]
        stripped = text.strip()
        if not _WORDY.search(stripped):
            continue
        start = span_start + len(text) - len(text.lstrip())
        sentences.append(Sentence(len(sentences) + 1, start, start + len(stripped), stripped))
    return sentences


class UnknownSentences(ValueError):
    """The model cited sentence numbers that were not shown to it."""

    def __init__(self, numbers: Sequence[int], highest: int, first: int = 1) -> None:
        listed = ", ".join(str(n) for n in numbers)
        super().__init__(
            f"sentence number(s) {listed} do not exist; cite only the numbers shown in "
            f"[brackets], {first} to {highest}"
        )
        self.numbers = list(numbers)


@dataclass(frozen=True, slots=True)
class SentenceIndex:
    """The sentences shown to the model, numbered ``first..last`` as it sees them.

    The model's numbers are positions in ``shown`` and always run without gaps (a gap left by a
    withheld sentence made the model cite numbers it was never shown); each ``Sentence`` keeps
    its own ``number`` in the whole article, which is what a user sees. A whole article starts
    at 1; a chunk of a long one (``concord.chunks``) starts where it sits in the whole, so the
    numbers a chunk's passes cite mean the same sentences in every chunk.
    """

    shown: tuple[Sentence, ...]
    first: int = 1

    @property
    def highest(self) -> int:
        return self.first + len(self.shown) - 1

    def unknown(self, numbers: Iterable[int]) -> list[int]:
        """The numbers outside ``first..last``, sorted, each once."""
        return sorted({n for n in numbers if not self.first <= n <= self.highest})

    def check(self, numbers: Iterable[int]) -> None:
        """Raise ``UnknownSentences`` for numbers outside ``first..last``."""
        if unknown := self.unknown(numbers):
            raise UnknownSentences(unknown, self.highest, self.first)

    def cited(self, numbers: Iterable[int]) -> list[Sentence]:
        """The sentences with these (model) numbers, in article order, each once."""
        return [
            self.shown[n - self.first]
            for n in sorted(set(numbers))
            if self.first <= n <= self.highest
        ]

    def numbered(self) -> str:
        """The article as the model sees it: one ``[n] sentence`` a line."""
        return "\n".join(f"[{n}] {s.text}" for n, s in enumerate(self.shown, start=self.first))

    def part(self, start: int, stop: int) -> SentenceIndex:
        """Positions ``start..stop-1`` (0-based) of ``shown``, keeping their model numbers."""
        return SentenceIndex(self.shown[start:stop], self.first + start)
