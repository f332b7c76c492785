"""Characters that render as nothing, listed once for every step that must see past them.

The article check treats text made only of these (and white space) as empty; grounding drops
them before matching a quote; the injection screen drops them so "ig\u200bnore previous
instructions" is still an instruction. One list, so the three can never disagree.
"""

from __future__ import annotations

# Soft hyphen; zero-width space, non-joiner and joiner; left-to-right and right-to-left marks;
# word joiner and the invisible operators (function application, times, separator, plus); BOM.
INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff")

DROP_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE))


def without_invisible(text: str) -> str:
    """``text`` with every invisible character removed."""
    return text.translate(DROP_INVISIBLE)
