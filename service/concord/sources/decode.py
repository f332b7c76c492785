"""A page's bytes as text: the charset the server declared, else UTF-8, else the page's own
``<meta charset>``, else a guess."""

from __future__ import annotations

import codecs
import re

from concord.errors import InvalidArticle

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_page(data: bytes, charset: str | None = None) -> str:
    """Decode a page; bytes no charset fits are replaced rather than refused (a stray byte in
    a page's footer should not cost the article)."""
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidArticle("the page looks binary (it contains NUL bytes)")
    if declared := _known(charset):
        return data.decode(declared, errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET.search(data[:4096])
    if meta and (named := _known(meta.group(1).decode("ascii"))):
        return data.decode(named, errors="replace")
    from trafilatura.utils import detect_encoding  # noqa: PLC0415 (heavy; only for odd pages)

    for guess in detect_encoding(data):
        if named := _known(guess):
            return data.decode(named, errors="replace")
    return data.decode("utf-8", errors="replace")
