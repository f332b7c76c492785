"""``concord summarise PATH``: read an article, summarise it, print the JSON."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from concord.article import Article, check_article, decode_article_bytes
from concord.cli_progress import terminal_progress, wants_progress
from concord.errors import InvalidArticle
from concord.prompts import load_prompt
from concord.providers.connection import connect
from concord.providers.profiles import parse_model_id
from concord.redact import configure_logging
from concord.schema import SummaryResult
from concord.settings import Settings
from concord.summarise import PipelineOptions, summarise


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="article file (UTF-8 text), or - to read standard input")
    parser.add_argument("--provider", help="provider profile, e.g. openai, ollama, local")
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
    return Settings(**overrides)  # type: ignore[arg-type]


async def summarise_file(args: argparse.Namespace) -> SummaryResult:
    settings = settings_from_args(args)
    configure_logging(settings.log_level)
    model_id = args.model or (args.provider if args.provider else settings.model)
    ref = parse_model_id(model_id, args.provider if args.model else None)
    prompt = load_prompt(settings.prompt_version, settings.prompts_dir)
    # Check the article before starting any model: bad input should fail in milliseconds.
    text = decode_article_bytes(read_article_input(args.path))
    article: Article = check_article(text, max_chars=settings.max_article_chars, title=args.title)
    options = PipelineOptions.from_settings(settings)
    with terminal_progress(wants_progress(args.quiet)) as on_progress:
        async with connect(settings, ref) as model:
            return await summarise(article, model, prompt, options, on_progress=on_progress)


def run(args: argparse.Namespace) -> int:
    result = asyncio.run(summarise_file(args))
    indent = None if args.compact else 2
    print(result.model_dump_json(indent=indent))
    return 0
