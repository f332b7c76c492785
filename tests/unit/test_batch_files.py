"""The batch's files: a corpus read item by item, and an output that survives a torn write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concord.batch.inputs import CorpusError, read_corpus
from concord.batch.ledger import Ledger
from concord.cli import main


def test_a_line_torn_by_a_crash_is_cut_off_and_its_article_runs_again(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    whole = json.dumps({"id": "a", "summary": {}, "meta": {}}) + "\n"
    output.write_text(whole + '{"id": "b", "summ')  # killed in the middle of writing b

    ledger = Ledger(output)
    assert ledger.finished == {"a": True}
    ledger.append("b", {"problem": {"type": "x"}, "meta": {}})
    ledger.append("b", {"summary": {}, "meta": {}})  # an id is never written twice
    ledger.close()

    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    reread = Ledger(output)
    reread.close()
    assert reread.finished == {"a": True, "b": False}


def test_an_output_that_is_not_a_batch_record_is_refused(tmp_path: Path) -> None:
    output = tmp_path / "notes.jsonl"
    output.write_text("my notes\n")
    with pytest.raises(CorpusError, match="not a Concord batch record"):
        Ledger(output)


def test_a_folder_corpus_is_named_by_relative_path_and_bad_files_carry_their_problem(
    tmp_path: Path,
) -> None:
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "one.txt").write_text("Some text.")
    (tmp_path / "two.txt").write_bytes(b"\xff\xfe binary")
    (tmp_path / "ignored.md").write_text("not an article")

    items = read_corpus(tmp_path)

    assert [item.id for item in items] == ["desk/one", "two"]
    assert items[0].problem is None
    assert items[1].problem is not None
    assert "UTF-8" in items[1].problem.detail


def test_a_repeated_id_stops_the_batch_before_anything_runs(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "x", "text": "a"}\n{"id": "x", "text": "b"}\n')
    code = main(["batch", str(corpus), "-o", str(tmp_path / "out.jsonl")])
    assert code == 2
    assert not (tmp_path / "out.jsonl").exists()


def test_a_missing_corpus_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "nope"), "-o", str(tmp_path / "out.jsonl")]) == 2
    assert "no such folder or file" in capsys.readouterr().err
