"""Recorded model traffic: one vcrpy cassette per (case, provider:model), scrubbed and stamped.

A cassette lives at ``evals/cassettes/<provider>__<model>/<case-id>.yaml``. Its top-level
``concord:`` block (vcrpy's cassette metadata, moved to the top by ``ConcordSerializer``) says
what made it: provider, model, prompt version and content hash, schema hash, model-id hash,
article hash, the pipeline options, when, and with which Concord version. Replay refuses a
cassette whose prompt, schema, model or article has changed, and says how to re-record it.

Requests match on method, path and the JSON body with keys sorted: never on host or port, since
the embedded server listens on a new loopback port every run.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import vcr  # type: ignore[import-untyped]
import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from vcr.request import Request  # type: ignore[import-untyped]

from concord.errors import ConcordError
from concord.redact import REDACTED, redact

METADATA_KEY = "concord"
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "api-key",
        "x-api-key",
        "cookie",
        "set-cookie",
        "openai-organization",
        "openai-project",
        "proxy-authorization",
    }
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class StaleCassette(ConcordError):
    """A cassette was recorded with another prompt, schema, model or article."""

    status = 500
    title = "Stale eval cassette"
    slug = "stale-cassette"


class Recording(BaseModel):
    """What made a cassette; compared on replay to what would be sent now."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    model: str
    prompt_version: str
    prompt_hash: str
    schema_hash: str
    model_id_hash: str
    article_sha256: str
    options: dict[str, Any]
    recorded_at: str
    concord_version: str


class Outcome(BaseModel):
    """What the live run measured: kept so replayed reports show real latency and tokens."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # Model calls made. Cassettes recorded before the field was renamed call it 'attempts'.
    calls: int = Field(0, validation_alias=AliasChoices("calls", "attempts"))
    error: str | None = None


def concord_version() -> str:
    try:
        return metadata.version("concord")
    except metadata.PackageNotFoundError:
        return "unknown"


def model_id_hash(provider: str, model: str) -> str:
    return hashlib.sha256(f"{provider}:{model}".encode()).hexdigest()[:16]


def folder_name(provider: str, model: str) -> str:
    """``<provider>__<model>`` with anything but letters, digits, dot, dash, underscore replaced."""
    return f"{_UNSAFE.sub('-', provider)}__{_UNSAFE.sub('-', model)}"


def cassette_path(root: Path, provider: str, model: str, case_id: str) -> Path:
    return root / folder_name(provider, model) / f"{case_id}.yaml"


def record_command(provider: str, model: str, case_id: str | None = None) -> str:
    """The exact command that re-records one case (or all cases) for one model."""
    command = f"concord eval --record --model {provider}:{model}"
    return f"{command} --only {case_id}" if case_id else command


# --- serializer: vcrpy's format, with the metadata as a readable top-level block -------------


class ConcordSerializer:
    """A vcrpy serializer: YAML whose ``concord:`` block comes first, then the interactions."""

    @staticmethod
    def serialize(cassette_dict: dict[str, Any]) -> str:
        data = dict(cassette_dict)
        ordered = {METADATA_KEY: data.pop("metadata", {}), **data}
        return yaml.dump(ordered, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True)

    @staticmethod
    def deserialize(cassette_string: str) -> dict[str, Any]:
        data: dict[str, Any] = yaml.load(cassette_string, Loader=yaml.CSafeLoader)
        block = data.pop(METADATA_KEY, None)
        if block:
            data["metadata"] = block
        return data


def read_metadata(path: Path) -> dict[str, Any]:
    """The ``concord:`` block of a cassette file (empty when it has none)."""
    data = ConcordSerializer.deserialize(path.read_text(encoding="utf-8"))
    block = data.get("metadata") or {}
    return dict(block)


# --- scrubbing ----------------------------------------------------------------------------


def _looks_secret(value: str) -> bool:
    return redact(value) != value


def _scrub_body(body: Any) -> Any:
    if isinstance(body, bytes):
        try:
            return redact(body.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return body
    if isinstance(body, str):
        return redact(body)
    return body


def scrub_request(request: Request) -> Request:
    """Drop secret headers (and any whose value looks like a key); redact the body."""
    request = copy.copy(request)
    request.headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in SECRET_HEADERS and not _looks_secret(str(value))
    }
    request.body = _scrub_body(request.body)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """The same for a recorded response: secret headers dropped, body redacted."""
    headers = response.get("headers") or {}
    response["headers"] = {
        name: [REDACTED if _looks_secret(str(v)) else v for v in values]
        for name, values in headers.items()
        if name.lower() not in SECRET_HEADERS
    }
    body = response.get("body") or {}
    if "string" in body:
        body["string"] = _scrub_body(body["string"])
    return response


# --- matching -----------------------------------------------------------------------------


def _canonical(body: Any) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not body:
        return ""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return str(body)


def json_body(r1: Request, r2: Request) -> None:
    """vcrpy matcher: the request bodies are the same JSON (key order and spacing ignored)."""
    a, b = _canonical(r1.body), _canonical(r2.body)
    if a != b:
        pairs = enumerate(zip(a, b, strict=False))
        at = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
        raise AssertionError(
            f"JSON bodies differ from character {at}: this request has "
            f"{a[max(0, at - 40) : at + 80]!r}, the recording {b[max(0, at - 40) : at + 80]!r}"
        )


@dataclass(frozen=True, slots=True)
class CassetteLibrary:
    """Builds the ``vcr.VCR`` that records and replays eval cassettes under ``root``."""

    root: Path

    def vcr(self) -> vcr.VCR:
        # vcrpy logs every recorded response whole at INFO, before scrubbing: keys a provider
        # echoes back, and the model's quotes of the article. Neither belongs in a log.
        logging.getLogger("vcr").setLevel(logging.WARNING)
        recorder = vcr.VCR(
            serializer="concord",
            match_on=("method", "path", "json_body"),
            before_record_request=scrub_request,
            before_record_response=scrub_response,
            decode_compressed_response=True,
            record_on_exception=True,
        )
        recorder.register_serializer("concord", ConcordSerializer)
        recorder.register_matcher("json_body", json_body)
        return recorder
