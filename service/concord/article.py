"""The article: the first step of the pipeline, where bad input is turned away with a reason.

An article is checked once, here, so every later step can trust it: it is text (not bytes that
failed to decode, not NULs), it has something besides white space and invisible characters,
and it fits the configured size. Offsets reported by grounding refer to ``Article.text``,
which is exactly what the caller sent.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from concord.errors import ArticleTooLarge, InvalidArticle
from concord.invisible import without_invisible

# C0/C1 control characters other than tab, newline, carriage return, form feed, vertical tab.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Article:
    """A checked article ready to be summarised."""

    text: str
    title: str | None = None
    source_url: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def check_article(
    text: str, *, max_chars: int, title: str | None = None, source_url: str | None = None
) -> Article:
    """Return an ``Article`` or raise ``InvalidArticle`` / ``ArticleTooLarge`` saying why."""
    if not without_invisible(text).strip():
        raise InvalidArticle("the article is empty (only white space or invisible characters)")
    bad = _CONTROL.search(text)
    if bad:
        raise InvalidArticle(
            f"the article contains a control character (U+{ord(bad.group()):04X}) "
            f"at offset {bad.start()}; send plain text"
        )
    if len(text) > max_chars:
        raise ArticleTooLarge(
            f"the article has {len(text):,} characters; the limit is {max_chars:,} "
            "(CONCORD_MAX_ARTICLE_CHARS)",
            limit=max_chars,
            length=len(text),
        )
    return Article(text=text, title=title or None, source_url=source_url or None)


def decode_article_bytes(data: bytes) -> str:
    """Decode a file or request body as UTF-8 text, refusing binary data with a clear reason."""
    if b"\x00" in data[:8192]:
        raise InvalidArticle("the input looks binary (it contains NUL bytes); send UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidArticle(
            f"the input is not valid UTF-8 (byte 0x{data[exc.start]:02X} at offset {exc.start})"
        ) from None
