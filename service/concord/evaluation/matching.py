"""How an expectation's words are found in a prediction: all case- and white-space-insensitive,
quotes and dashes folded as grounding folds them."""

from __future__ import annotations

import re
from functools import cache

from concord.grounding import normalise


@cache
def _fold(text: str) -> str:
    return normalise(text)[0]


def name_matches(alias: str, name: str) -> bool:
    """True when ``alias`` equals ``name`` or is a whole-word part of it."""
    a, n = _fold(alias), _fold(name)
    return bool(a) and (a == n or re.search(rf"(?<!\w){re.escape(a)}(?!\w)", n) is not None)


def keyword_in(keyword: str, text: str) -> bool:
    """True when ``keyword`` occurs in ``text`` where a word starts."""
    k = _fold(keyword)
    return bool(k) and re.search(rf"(?<!\w){re.escape(k)}", _fold(text)) is not None
