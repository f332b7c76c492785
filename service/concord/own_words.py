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


# Short words a phrase is made of: a brief answer may glue them though they are not words of
# the article (``_COMMON``), and a phrase does not end on most of them (``_DANGLING``).
_SHORT = frozenset(_WORD.findall("a an and as at by for from in into of on or over the their to"))
_COMMON = _SHORT | frozenset(_WORD.findall("with without not no new"))


def article_vocabulary(article: str) -> frozenset[str]:
    """The article's words (folded) and the short words a phrase is made of: read once per
    pass, then handed to ``unglued`` for each of its strings."""
    return frozenset(_words(article)) | _COMMON


def _glued(word: str, vocabulary: frozenset[str]) -> bool:
    """True when ``word`` is no word of the article but two or more of them run together
    ("onagencystaff", "everymonth"), the last perhaps cut short by the length of a word
    ("hadneverbeenbackedbybind"): what a model held to a few words writes to go on copying.
    A piece counts when it is a common short word or an article word of two letters or more,
    so an inflection ("offer" + "s") is not a run."""
    if len(word) < 6 or word in vocabulary:
        return False
    # spelled[i]: the most pieces that spell word[:i] end to end (absent: none do)
    spelled = {0: 0}
    for i in range(1, len(word) + 1):
        counts = [
            n + 1
            for j, n in spelled.items()
            if (piece := word[j:i]) in _COMMON or (len(piece) >= 2 and piece in vocabulary)
        ]
        if counts:
            spelled[i] = max(counts)
    if spelled.get(len(word), 0) >= 2:
        return True
    # the last word cut short: three letters of it after one whole word, or any after three
    return any(
        (n >= 3 or (n >= 1 and len(word) - j >= 3)) and _starts_a_word(word[j:], vocabulary)
        for j, n in spelled.items()
        if j
    )


def _starts_a_word(start: str, vocabulary: frozenset[str]) -> bool:
    return any(word.startswith(start) for word in vocabulary if len(word) > len(start))


# Words a phrase does not end on: a brief answer cut at its last allowed word often stops in
# the middle of the article's phrase it follows ("refused to join the coalition because of").
_DANGLING = _SHORT | frozenset(
    _WORD.findall("because but than that this which who whose with without")
)


def unglued(text: str, vocabulary: frozenset[str]) -> str:
    """``text`` cut before its first glued word (see ``_glued``; ``vocabulary`` from
    ``article_vocabulary``) and without the words a phrase does not end on, or ``text`` itself
    when the cut would leave nothing."""
    pieces = text.split(" ")
    for at, piece in enumerate(pieces):
        # each run of letters on its own: "ward-by-ward" was written apart, not glued
        if any(_glued(word, vocabulary) for word in _words(piece)):
            pieces = pieces[:at]
            break
    while pieces and (not _words(pieces[-1]) or "".join(_words(pieces[-1])) in _DANGLING):
        pieces.pop()
    kept = " ".join(pieces).rstrip(" ,;:-")
    return kept or text
