"""``concord summarise URL`` and ``concord summarise page.html``, run as a user would: the CLI
may fetch from this machine (loopback) by default, and still refuses what the policy forbids."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.page_server import PAGES, Page, PageServer, Redirect, saved_page
from tests.integration.test_cli import _concord, _env
from tests.support.api import valid_summary

NEWS = saved_page("news-article.html")


def _one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    return stderr.strip()


def test_a_local_page_is_fetched_extracted_and_summarised(
    fake_openai: FakeOpenAIServer, page_server: PageServer
) -> None:
    url = page_server.add("/page.html", Page(NEWS))
    fake_openai.enqueue(*valid_summary())
    done = _concord("summarise", url, "--quiet", env=_env(fake_openai))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["meta"]["source"]["kind"] == "url"
    assert result["meta"]["source"]["final_url"] == url
    assert result["article"]["title"] == "Kerry and Lavrov agree to share intelligence on Isis"
    text = result["article"]["text"]
    assert "GeoffFromLeeds" not in text
    for participant in result["summary"]["participants"]:
        for evidence in participant["evidence"]:
            if evidence["grounded"]:
                assert text[evidence["start"] : evidence["end"]] == evidence["quote"]


def test_a_saved_page_file_is_extracted(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.enqueue(*valid_summary())
    done = _concord("summarise", str(PAGES / "news-article.html"), env=_env(fake_openai))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["meta"]["source"]["kind"] == "html"
    assert "Lavrov said Moscow" in result["article"]["text"]


def test_a_redirect_to_the_metadata_address_is_refused(page_server: PageServer) -> None:
    url = page_server.add("/go", Redirect("http://169.254.169.254/latest/meta-data/"))
    done = _concord("summarise", url)
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert line.startswith("concord: fetch forbidden: ")
    assert "169.254.169.254, a metadata address" in line
    assert page_server.paths() == ["/go"]


def test_loopback_is_refused_when_private_fetching_is_turned_off(page_server: PageServer) -> None:
    url = page_server.add("/page.html", Page(NEWS))
    done = _concord("summarise", url, env={"CONCORD_FETCH__ALLOW_PRIVATE": "false"})
    assert done.returncode == 2
    assert "a loopback address" in _one_line(done.stderr)
    assert page_server.requests == []


def test_a_slow_page_times_out_in_one_line(page_server: PageServer) -> None:
    url = page_server.add("/slow.html", Page(NEWS, delay=5.0))
    done = _concord("summarise", url, env={"CONCORD_FETCH__TIMEOUT_S": "0.5"})
    assert done.returncode == 1
    assert _one_line(done.stderr).startswith("concord: fetch timeout: fetching ")


def test_a_wrong_page_type_and_a_wrong_scheme_are_bad_input(
    page_server: PageServer, tmp_path: Path
) -> None:
    url = page_server.add("/data.json", Page(b"{}", content_type="application/json"))
    wrong_type = _concord("summarise", url)
    wrong_scheme = _concord("summarise", "ftp://example.com/page.html")
    assert (wrong_type.returncode, wrong_scheme.returncode) == (2, 2)
    assert "application/json" in _one_line(wrong_type.stderr)
    assert "only http and https" in _one_line(wrong_scheme.stderr)
