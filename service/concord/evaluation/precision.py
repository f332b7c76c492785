"""Precision beside recall: points copied from the article, and points no expectation lists.

A point is what the article reports between parties, stated briefly in the summariser's own
words. Two figures say when a summary is not that:

- **copied**: an agreement's statement, or a disagreement's topic or one of its positions, holds
  8 or more consecutive words found verbatim in the article (``concord.own_words``);
- **unlisted**: a predicted agreement or disagreement that fully matches no expectation of its
  kind, required or optional; on a case that allows none of that kind (``max: 0``), every
  predicted point of that kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from concord.own_words import article_runs, is_copied
from concord.schema import Agreement, Disagreement, Summary


def point_texts(point: Agreement | Disagreement) -> list[str]:
    """The words of a point that must be the summariser's own."""
    if isinstance(point, Agreement):
        return [point.statement]
    return [point.topic, *(p.position for p in point.positions)]


class PrecisionCounts(BaseModel):
    """Per case (or summed): predicted points, and how many were copied or unlisted."""

    points: int = 0
    copied: int = 0
    unlisted: int = 0

    def __add__(self, other: PrecisionCounts) -> PrecisionCounts:
        return PrecisionCounts(
            points=self.points + other.points,
            copied=self.copied + other.copied,
            unlisted=self.unlisted + other.unlisted,
        )

    @property
    def copied_share(self) -> float:
        return self.copied / self.points if self.points else 0.0

    @property
    def unlisted_share(self) -> float:
        return self.unlisted / self.points if self.points else 0.0


def count_copied(summary: Summary, article: str) -> int:
    """Points of ``summary`` whose statement, topic or a position copies the article."""
    runs = article_runs(article)
    points: Sequence[Agreement | Disagreement] = [*summary.agreements, *summary.disagreements]
    return sum(any(is_copied(text, runs) for text in point_texts(p)) for p in points)


def total(counts: Iterable[PrecisionCounts]) -> PrecisionCounts:
    summed = PrecisionCounts()
    for c in counts:
        summed += c
    return summed
