"""``concord summarise PATH|URL``: read an article (or fetch a page), summarise it, print the
JSON."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from concord.cli.progress import terminal_progress, wants_progress
from concord.errors import InvalidArticle
from concord.pipeline import summarise_text
from concord.redact import configure_logging
from concord.schema import SummaryResult
from concord.settings import Settings, load_settings
from concord.sources.arguments import source_of_argument
from concord.sources.page import with_source


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        help="article file (UTF-8 text, or a saved .html page), - to read standard input, "
        "or an http(s) URL to fetch",
    )
    parser.add_argument(
        "--provider", help="provider profile, e.g. openai, ollama, or local (the embedded model)"
    )
    parser.add_argument("--model", help="model id 'provider:model' or a model name")
    parser.add_argument("--prompt-version", help="prompt template, e.g. summarise/v3")
    parser.add_argument("--title", help="the article's headline, if it is not in the text")
    parser.add_argument(
        "--strict", action="store_true", help="drop items whose quotes are not found"
    )
    parser.add_argument("--compact", action="store_true", help="print JSON on one line")
    parser.add_argument(
        "--quiet", action="store_true", help="no progress display, even on a terminal"
    )


def read_article_input(path: str) -> bytes:
    """The raw bytes of the article file, or of stdin for ``-``; a missing file is bad input."""
    if path == "-":
        return sys.stdin.buffer.read()
    file = Path(path)
    if file.is_dir():
        raise InvalidArticle(f"{path} is a directory, not an article file")
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise InvalidArticle(f"no such file: {path}") from None
    except PermissionError:
        raise InvalidArticle(f"cannot read {path}: permission denied") from None


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if args.prompt_version:
        overrides["prompt_version"] = args.prompt_version
    if args.strict:
        overrides["grounding_policy"] = "strict"
    return load_settings(**overrides)


async def summarise_file(args: argparse.Namespace) -> SummaryResult:
    settings = settings_from_args(args)
    configure_logging(settings.log_level, settings.log_format)
    # Bad input fails in milliseconds: summarise_text checks it before starting any model.
    sourced = await source_of_argument(args.path, settings, args.title, read_article_input)
    with terminal_progress(wants_progress(args.quiet)) as on_progress:
        result = await summarise_text(
            sourced.text,
            settings,
            model=args.model,
            provider=args.provider,
            title=sourced.title,
            on_progress=on_progress,
        )
    return with_source(result, sourced)


def run(args: argparse.Namespace) -> int:
    result = asyncio.run(summarise_file(args))
    indent = None if args.compact else 2
    print(result.model_dump_json(indent=indent))
    return 0
