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


def split_sentences(article: str) -> list[Sentence]:
    """Every sentence of ``article`` with exact offsets (``article[start:end] == text``)."""
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(article):
        cursor = line.start()
        for piece in segment("en", line.group()):
            at = article.find(piece, cursor, line.end())
            if at < 0:  # the segmenter changed the text: fall back to the rest of the line
                spans.append((cursor, line.end()))
                break
            spans.append((at, at + len(piece)))
            cursor = at + len(piece)
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

    def __init__(self, numbers: Sequence[int], highest: int) -> None:
        listed = ", ".join(str(n) for n in numbers)
        super().__init__(
            f"sentence number(s) {listed} do not exist; cite only numbers shown in [brackets] "
            f"(1 to {highest})"
        )
        self.numbers = list(numbers)


@dataclass(frozen=True, slots=True)
class SentenceIndex:
    """The sentences shown to the model, looked up by their number in the whole article.

    Withheld sentences keep their numbers but are not shown, so the numbers a user sees in
    ``Evidence.sentence`` count the article's own sentences.
    """

    shown: tuple[Sentence, ...]

    @property
    def _by_number(self) -> dict[int, Sentence]:
        return {s.number: s for s in self.shown}

    def check(self, numbers: Iterable[int]) -> None:
        """Raise ``UnknownSentences`` for numbers not shown to the model."""
        known = self._by_number
        unknown = sorted({n for n in numbers if n not in known})
        if unknown:
            highest = max(known, default=0)
            raise UnknownSentences(unknown, highest)

    def cited(self, numbers: Iterable[int]) -> list[Sentence]:
        """The shown sentences with these numbers, in article order, each once."""
        known = self._by_number
        return [known[n] for n in sorted(set(numbers)) if n in known]

    def numbered(self) -> str:
        """The article as the model sees it: one ``[n] sentence`` a line."""
        return "\n".join(f"[{s.number}] {s.text}" for s in self.shown)
