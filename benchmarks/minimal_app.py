"""The framework's ceiling: a Litestar app that reads the body and returns fixed JSON bytes.

It answers ``POST /v1/summaries`` with a prebuilt summary document of the same size Concord
returns, and is run by Granian with the same arguments ``concord serve`` uses, so the
throughput ratio isolates what Concord's own code costs per request.
"""

from __future__ import annotations

import argparse
from typing import Any

from litestar import Litestar, Request, Response, get, post

from benchmarks.sample import MODEL_SUMMARY, article_text
from concord.api.serve import granian_server
from concord.grounding import ground_summary
from concord.redact import configure_logging
from concord.schema import GroundingCounts, Meta, ModelSummary, SummaryResult, Usage


def _fixed_body() -> bytes:
    summary, counts = ground_summary(ModelSummary.model_validate(MODEL_SUMMARY), article_text())
    meta = Meta(
        provider="llamacpp",
        model="bench-model",
        prompt_version="summarise/v1",
        prompt_hash="0" * 16,
        schema_hash="0" * 16,
        calls=1,
        usage=Usage(prompt_tokens=900, completion_tokens=300, total_tokens=1200),
        latency_ms=1.0,
        grounding=GroundingCounts.model_validate(counts.model_dump()),
    )
    return SummaryResult(summary=summary, meta=meta).model_dump_json().encode()


BODY = _fixed_body()


@post("/v1/summaries", status_code=200)
async def fixed_summary(request: Request[Any, Any, Any]) -> Response[bytes]:
    await request.body()
    return Response(BODY, media_type="application/json")


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[fixed_summary, healthz])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The same logging and server arguments as ``concord.api.serve.run``.
    configure_logging("WARNING")
    granian_server(
        "benchmarks.minimal_app:create_app",
        host="127.0.0.1",
        port=args.port,
        workers=1,
        graceful_timeout_s=30.0,
        header_timeout_s=10.0,
    ).serve()


if __name__ == "__main__":
    main()
