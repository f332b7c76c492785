"""``concord``: the command line. Each subcommand lives in its own module with two functions,
``add_arguments(parser)`` and ``run(args) -> int``; this file only wires them together and turns
Concord's errors into one readable line and an exit code.

The commands that are only argument handling live here (``cli.summarise``, ``cli.batch``,
``cli.providers``); ``serve``, ``worker`` and ``eval`` keep theirs beside what they start
(``api.serve``, ``jobs.worker``, ``evaluation.command``). Nothing outside ``cli`` imports it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from concord import __version__
from concord.errors import ConcordError, ConfigurationError, ProviderError

SUBCOMMANDS = {
    "summarise": ("concord.cli.summarise", "summarise an article file (or - for stdin)"),
    "serve": ("concord.api.serve", "serve the HTTP API"),
    "batch": ("concord.cli.batch", "summarise a corpus (folder of .txt or JSONL) to JSONL"),
    "worker": ("concord.jobs.worker", "process summary jobs from the Redis queue"),
    "eval": ("concord.evaluation.command", "run the eval suite (replay by default, or --record)"),
    "providers": ("concord.cli.providers", "list provider profiles: keys set, URLs answering"),
}

EXIT_BAD_INPUT = 2
EXIT_PROVIDER = 3
EXIT_CONFIG = 4


def exit_code(error: ConcordError) -> int:
    """The process exit code for an error: input, provider and configuration faults differ."""
    if isinstance(error, ProviderError):
        return EXIT_PROVIDER
    if isinstance(error, ConfigurationError):
        return EXIT_CONFIG
    return EXIT_BAD_INPUT if error.status < 500 else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="concord",
        description="Evidence-grounded summaries of news articles: who took part, "
        "what they agreed on, where they differ.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``concord`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ConcordError as error:
        print(f"concord: {error.title.lower()}: {error.detail}", file=sys.stderr)
        return exit_code(error)
    except KeyboardInterrupt:
        return 130
