"""``concord batch INPUT -o OUT.jsonl``: summarise a corpus, in this process or on workers.

Exit codes: 0 when every article of the corpus has a summary in the output, 5 when any has a
problem instead (this run's or an earlier one's), 2 for a corpus that cannot be read, and the
usual 3/4 for a provider or configuration fault that stops the whole run.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
from pathlib import Path
from typing import Any

from concord.batch.inputs import Item, read_corpus
from concord.batch.ledger import Ledger
from concord.batch.local import run_local
from concord.batch.queued import run_queued
from concord.batch.report import BatchView, Tally
from concord.cli.summarise import settings_from_args
from concord.providers.profiles import parse_model_id
from concord.redact import configure_logging
from concord.settings import Settings

EXIT_SOME_FAILED = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, help="a folder of .txt files, or a JSONL file")
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSONL to append to")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="articles at once in-process (default 4)"
    )
    parser.add_argument(
        "--queue", metavar="REDIS_URL", help="send the articles to `concord worker`s instead"
    )
    parser.add_argument(
        "--provider", help="provider profile, e.g. openai, ollama, or local (the embedded model)"
    )
    parser.add_argument("--model", help="model id 'provider:model' or a model name")
    parser.add_argument("--prompt-version", help="prompt template, e.g. summarise/v3")
    parser.add_argument(
        "--strict", action="store_true", help="drop items whose quotes are not found"
    )


def _batch_name(args: argparse.Namespace) -> str:
    """Names this corpus-to-output run, so a rerun finds the jobs it queued before."""
    where = f"{args.input.resolve()}\n{args.output.resolve()}"
    return hashlib.sha256(where.encode()).hexdigest()[:16]


async def _run(
    args: argparse.Namespace, settings: Settings, view: BatchView, ledger: Ledger, todo: list[Item]
) -> None:
    def finished(item_id: str, record: dict[str, Any]) -> None:
        ledger.append(item_id, record)
        view.finished(record)

    if args.queue:
        model_id = args.model or args.provider
        options = {"provider": model_id, "prompt_version": args.prompt_version}
        await run_queued(
            todo,
            settings=settings,
            url=args.queue,
            batch=_batch_name(args),
            options=options,
            finished=finished,
        )
        return
    model_id = args.model or (args.provider if args.provider else settings.model)
    ref = parse_model_id(model_id, args.provider if args.model else None)
    await run_local(todo, settings, ref, args.concurrency, finished)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    configure_logging(settings.log_level, settings.log_format)
    items = read_corpus(args.input)
    ledger = Ledger(args.output)
    try:
        todo = [item for item in items if item.id not in ledger.finished]
        earlier = [ledger.finished[item.id] for item in items if item.id in ledger.finished]
        tally = Tally(total=len(items), skipped=len(earlier), earlier_failed=earlier.count(False))
        view = BatchView(tally)
        with view:
            asyncio.run(_run(args, settings, view, ledger, todo))
        view.print_table()
    finally:
        ledger.close()
    return EXIT_SOME_FAILED if tally.any_failed else 0
