"""Pytest fixtures for the fake OpenAI server and the saved-page server.

Use from a conftest with ``pytest_plugins = ["tests.fakes.fixtures"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.page_server import PageServer


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    """A started fake server; afterwards it must hold no leftover replies and no server errors.

    Leftover replies usually mean the code under test made fewer calls than the test scripted;
    a test that leaves some on purpose calls ``fake_openai.reset()`` before it ends.
    """
    with FakeOpenAIServer() as server:
        yield server
        leftover, errors = server.pending, list(server.errors)
    assert not errors, f"fake OpenAI server raised internally: {errors}"
    assert not leftover, f"scripted replies never consumed: {leftover}"


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    """A started server of saved pages on loopback (``page_server.add(path, Page(...))``)."""
    with PageServer() as server:
        yield server
