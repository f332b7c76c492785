"""Secrets are scrubbed from anything that may leave the process."""

import logging

import pytest

from concord.errors import RequestInvalid
from concord.records import problem_record
from concord.redact import RedactingFilter, redact
from tests.fakes.credentials import AUTHORIZATION, ORGANIZATION_HEADER, bearer, sk


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Incorrect API key provided: {sk('proj-abcdefgh12345678')}", "abcdefgh12345678"),
        (f"{AUTHORIZATION}: {bearer('eyJhbGciOiJIUzI1NiJ9.abc')}", "eyJhbGciOiJIUzI1NiJ9"),
        ('{"api-key": "0123456789abcdef"}', "0123456789abcdef"),
        (f"{ORGANIZATION_HEADER}: org-AbCdEf123456", "org-AbCdEf123456"),
        ("project proj-Zyx9876543210", "proj-Zyx9876543210"),
    ],
)
def test_secret_looking_values_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "[REDACTED]" in cleaned


def test_ordinary_text_is_untouched() -> None:
    text = "Kerry told a news conference: skies are clear, org chart attached."
    assert redact(text) == text


def test_log_records_are_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("concord.test")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="concord.test"):
        logger.info("calling with key %s", sk("abcdefghijklmnopqrstuvwxyz"))
    assert sk("abcdefghijklmnop") not in caplog.text


def test_a_password_in_a_url_is_scrubbed_and_the_rest_kept() -> None:
    password = "hunter" + "2hunter2"  # spelled in pieces, like the other fake credentials
    cleaned = redact(f"Redis at redis://app:{password}@10.0.0.5:6379/0 failed")
    assert password not in cleaned
    assert "redis://app:[REDACTED]@10.0.0.5:6379/0" in cleaned
    assert redact("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"


def test_a_problem_record_redacts_secrets_nested_in_its_extras() -> None:
    """What a batch line or a job holds: the same document the HTTP API sends, every nested
    string scrubbed (a validation error echoing a key, inside a list of dicts)."""
    key = sk("nestedsecret0123456789")
    error = RequestInvalid(f"bad field near {key}", errors=[{"field": "text", "input": key}])
    record = problem_record(error)
    assert record["problem"] == {
        "type": "https://concord.dev/problems/validation",
        "title": "Invalid request",
        "status": 422,
        "detail": "bad field near [REDACTED]",
        "errors": [{"field": "text", "input": "[REDACTED]"}],
    }
