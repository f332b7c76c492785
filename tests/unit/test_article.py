"""Bad input is turned away at the door with a reason a user can act on."""

import pytest

from concord.article import check_article, decode_article_bytes
from concord.errors import ArticleTooLarge, InvalidArticle


@pytest.mark.parametrize("text", ["", "   \n\t ", "\u200b\u200b\ufeff", " \u00ad "])
def test_empty_or_invisible_text_is_invalid(text: str) -> None:
    with pytest.raises(InvalidArticle, match="empty"):
        check_article(text, max_chars=100)


def test_control_characters_are_refused_with_their_offset() -> None:
    with pytest.raises(InvalidArticle, match=r"U\+0007\) at offset 5"):
        check_article("Hello\x07 world", max_chars=100)


def test_tabs_newlines_and_unicode_are_fine() -> None:
    article = check_article("Kerry\tmet\r\nLavrov — «bien sûr»", max_chars=100)
    assert article.text.startswith("Kerry")


def test_oversized_article_says_the_limit() -> None:
    with pytest.raises(ArticleTooLarge, match="limit is 10"):
        check_article("x" * 11, max_chars=10)


def test_binary_and_non_utf8_bytes_are_refused() -> None:
    with pytest.raises(InvalidArticle, match="binary"):
        decode_article_bytes(b"\x7fELF\x00\x01")
    with pytest.raises(InvalidArticle, match="not valid UTF-8"):
        decode_article_bytes("café".encode("latin-1"))


def test_utf8_bom_is_dropped() -> None:
    assert decode_article_bytes("\ufeffHello".encode()) == "Hello"
