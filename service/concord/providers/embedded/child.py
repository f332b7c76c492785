"""The embedded model's child process: llama.cpp's OpenAI-compatible server, via ``xllamacpp``.

Started by ``concord.providers.embedded.parent`` as ``python -m concord.providers.embedded.child``
(why a child process and not an in-process server is told there). It serves on 127.0.0.1 until
the parent closes its stdin or dies, whichever comes first.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import IO

CHILD_MODULE = "concord.providers.embedded.child"
_CHILD_ERROR_PREFIX = "E concord embedded model server:"
# Enough for every chunk of a 100,000-character article (~30 k tokens at ~30 KB each).
PROMPT_CACHE_MIB = 1024


def _exit_when_parent_dies(lifeline: IO[bytes]) -> None:
    lifeline.read()  # returns only at EOF: the parent closed it or died
    os._exit(0)  # skip xllamacpp's destructor, which can hang while a request is running


def serve(argv: list[str] | None = None) -> None:
    """Child entry point: load the model, serve on 127.0.0.1 until the parent goes away."""
    parser = argparse.ArgumentParser(prog=f"python -m {CHILD_MODULE}")
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--alias", required=True)
    parser.add_argument("--builtin-chat-template", default=None)
    args = parser.parse_args(argv)
    # Watch the lifeline before the slow model load, so a parent killed meanwhile is noticed.
    threading.Thread(target=_exit_when_parent_dies, args=(sys.stdin.buffer,), daemon=True).start()

    import xllamacpp  # type: ignore[import-untyped]  # noqa: PLC0415 - child only

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.n_ctx = args.n_ctx
    # One slot by default: 2 cores gain little from batching; CONCORD_LOCAL_PARALLEL adds slots.
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    if args.builtin_chat_template:
        # With Jinja on, llama.cpp would take the name itself for the template's text.
        params.use_jinja = False
        params.chat_template = args.builtin_chat_template
    else:
        params.use_jinja = True  # the GGUF's own chat template
    params.ui = False
    # A host-RAM prompt cache (llama.cpp's default is 8 GiB): a long article's chunks are each
    # read twice, for the participants and then for the points, with the other chunks between;
    # the cache gives the second read the first one's KV instead of prefilling it again.
    params.cache_ram_mib = PROMPT_CACHE_MIB
    # Server-side defaults for requests that do not say; Concord sends both anyway.
    params.sampling.temp = 0.0
    params.sampling.penalty_repeat = 1.1
    server = xllamacpp.Server(params)  # returns once the model is loaded and listening
    threading.Event().wait()  # serve until SIGTERM (default action) or the lifeline ends
    del server  # unreachable; keeps the server referenced for as long as we wait


if __name__ == "__main__":
    try:
        serve()
    except Exception as exc:  # reported through the log the parent reads
        print(f"{_CHILD_ERROR_PREFIX} {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    # serve() never returns; skip interpreter shutdown, which aborts on the blocked stdin thread.
    os._exit(1)
