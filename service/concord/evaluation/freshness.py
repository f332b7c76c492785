"""Refuse stale cassettes before replaying anything, and say exactly how to re-record them.

A cassette is stale when what would be sent now differs from what was recorded: another prompt
version or prompt text, another output schema, another model, or an edited article. Replaying
it would either fail on an unmatched request or, worse, score an answer to a different question.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from concord.article import Article
from concord.evaluation.case_runner import Target
from concord.evaluation.cases import Case
from concord.evaluation.cassettes import (
    CassetteLibrary,
    StaleCassette,
    cassette_path,
    model_id_hash,
    read_metadata,
    record_command,
)
from concord.prompts import PromptTemplate

# Compatibility with cassettes recorded before the stamp followed the prompt (issue 20): until
# then every cassette was stamped with the quote prompts' schema hash, whatever its prompt's
# kind. Such a stamp on a sentence-cited cassette is accepted only while that prompt's pass
# schemas still hash to what they were when the old stamp was written (summarise/v3's four
# passes, summarise/v4's three, and summarise/v5's lean three, whose first recordings were made
# by the recorder of just before the fix), so a pass schema changed since still makes the
# cassette stale (and replay matches every request body, schemas included, byte for byte).
# Re-recording writes the right stamp; drop this once no committed cassette carries the old one.
LEGACY_STAMP = "36c53376b5a8dab3"
PASS_SCHEMAS_UNDER_LEGACY_STAMP = frozenset(
    {"f91d37dfff5ef83a", "7aac01972f2f8fda", "96492e2d9d66c760"}
)


def _schema_matches(stamp: object, prompt: PromptTemplate) -> bool:
    if stamp == prompt.schema_hash:
        return True
    return (
        prompt.kind == "sentences"
        and stamp == LEGACY_STAMP
        and prompt.schema_hash in PASS_SCHEMAS_UNDER_LEGACY_STAMP
    )


def stale_reasons(
    recording: dict[str, Any], case: Case, target: Target, prompt: PromptTemplate
) -> list[str]:
    """What changed between ``recording`` (a cassette's metadata) and the code as it is now."""
    if not recording:
        return ["the cassette has no 'concord: recording' metadata"]
    reasons = []
    if recording.get("prompt_version") != prompt.id:
        reasons.append(f"prompt version {recording.get('prompt_version')} → {prompt.id}")
    elif recording.get("prompt_hash") != prompt.content_hash:
        was = recording.get("prompt_hash")
        reasons.append(f"prompt {prompt.id} content hash {was} → {prompt.content_hash}")
    if not _schema_matches(recording.get("schema_hash"), prompt):
        was = recording.get("schema_hash")
        reasons.append(f"output schema hash {was} → {prompt.schema_hash}")
    expected_model = model_id_hash(target.provider, target.model)
    if recording.get("model_id_hash") != expected_model:
        reasons.append(
            f"model id {recording.get('provider')}:{recording.get('model')} → {target.id}"
        )
    if recording.get("article_sha256") != Article(case.article).sha256:
        reasons.append("the case's article.txt was edited")
    return reasons


def check_fresh(
    targets: list[Target], cases: list[Case], prompt: PromptTemplate, library: CassetteLibrary
) -> None:
    """Raise ``StaleCassette`` naming every stale cassette and the command that re-records it."""
    stale: dict[Target, list[tuple[str, list[str]]]] = defaultdict(list)
    for target in targets:
        for case in cases:
            path = cassette_path(library.root, target.provider, target.model, case.id)
            if not path.is_file():
                continue  # a missing cassette fails its case, with the record command
            reasons = stale_reasons(_recording(path), case, target, prompt)
            if reasons:
                stale[target].append((case.id, reasons))
    if not stale:
        return
    lines = ["recorded responses no longer match the code; replaying them would be meaningless:"]
    for target, entries in stale.items():
        for case_id, reasons in entries:
            lines.append(f"  {target.id} / {case_id}: " + "; ".join(reasons))
        case_ids = ",".join(case_id for case_id, _ in entries)
        lines.append(f"  re-record with: {record_command(target.provider, target.model, case_ids)}")
    raise StaleCassette("\n".join(lines))


def _recording(path: Path) -> dict[str, Any]:
    block = read_metadata(path)
    recording = block.get("recording")
    return dict(recording) if isinstance(recording, dict) else {}
