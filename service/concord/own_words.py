"""Words of the summariser's own: find where a point's text copies a run of the article.

A point is what the article reports between parties, stated briefly; a copied sentence is not a
summary. Text is *copied* when it holds ``COPIED_RUN`` (8) or more consecutive words found
together in the article, compared folded (case, quote marks and dashes as grounding folds them).
The lean passes feed such a copy back to the model as an error; the eval suite counts them.
"""

from __future__ import annotations

import re

from concord.grounding import normalise

COPIED_RUN = 8
_WORD = re.compile(r"\w+")

Runs = frozenset[tuple[str, ...]]


def _words(text: str) -> list[str]:
    return _WORD.findall(normalise(text)[0])


def article_runs(article: str, length: int = COPIED_RUN) -> Runs:
    """Every run of ``length`` consecutive words of the article."""
    words = _words(article)
    return frozenset(tuple(words[i : i + length]) for i in range(len(words) - length + 1))


def is_copied(text: str, runs: Runs, length: int = COPIED_RUN) -> bool:
    """True when ``text`` holds ``length`` consecutive words found together in the article."""
    words = _words(text)
    return any(tuple(words[i : i + length]) in runs for i in range(len(words) - length + 1))
