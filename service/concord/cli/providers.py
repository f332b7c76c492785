"""``concord providers``: every provider profile, its key variable (set or not, never its value),
its base URL and whether that answers; the exit code says whether the configured one is usable."""

from __future__ import annotations

import argparse
import asyncio

from rich.console import Console
from rich.table import Table

from concord.providers.readiness import READY_TIMEOUT_S
from concord.providers.status import ProviderStatus, provider_statuses
from concord.settings import load_settings

# Wide enough that a URL or a reason is never cut when the output goes to a file or a pipe.
_WIDTH_OFF_TERMINAL = 160


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", help="check this model id instead of the configured one (CONCORD_MODEL)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=READY_TIMEOUT_S,
        help=f"seconds each base URL has to answer (default {READY_TIMEOUT_S:g})",
    )


def status_table(statuses: list[ProviderStatus]) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("", "profile", "model", "key variable", "key", "base URL", "answers"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        table.add_row(
            "*" if status.configured else "",
            status.profile.name,
            status.model or "—",
            status.key_variable or "—",
            status.key,
            status.base_url or "—",
            status.reachable,
        )
    return table


def run(args: argparse.Namespace) -> int:
    settings = load_settings(model=args.model) if args.model else load_settings()
    statuses = asyncio.run(provider_statuses(settings, args.timeout))
    console = Console()
    if not console.is_terminal:
        console = Console(width=_WIDTH_OFF_TERMINAL)
    console.print(status_table(statuses))
    configured = next(s for s in statuses if s.configured)
    verdict = "not usable" if configured.problem else "usable"
    console.print(f"\n* configured: {settings.model} ({verdict})", highlight=False)
    if configured.problem is not None:
        raise configured.problem  # one line on stderr and the exit code for its kind
    return 0
