"""Numbers from noisy samples: percentiles, spread, and the rows of the final table."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(samples: list[float], q: float) -> float:
    """The ``q``-th percentile (0 to 100), linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def describe(samples: list[float]) -> dict[str, float]:
    """n, p50, p99, IQR, min, max, mean of ``samples`` (milliseconds, usually)."""
    return {
        "n": len(samples),
        "p50": percentile(samples, 50),
        "p99": percentile(samples, 99),
        "p25": percentile(samples, 25),
        "p75": percentile(samples, 75),
        "iqr": percentile(samples, 75) - percentile(samples, 25),
        "min": min(samples),
        "max": max(samples),
        "mean": statistics.fmean(samples),
    }


@dataclass
class Row:
    """One line of the table: what was measured, the headline number, the target and verdict."""

    section: str
    measure: str
    result: str
    ratio: float | None = None
    target: str = ""
    met: bool | None = None  # None: informational, or skipped
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def ms(value: float) -> str:
    return f"{value:.2f} ms" if abs(value) < 100 else f"{value:.0f} ms"


def latency_cell(d: dict[str, float]) -> str:
    return f"p50 {ms(d['p50'])}  p99 {ms(d['p99'])}  IQR {d['iqr']:.2f}  (n={int(d['n'])})"


def render_table(rows: list[Row]) -> str:
    headers = ["section", "measure", "result", "ratio", "target", "ok"]
    cells = [
        [
            row.section,
            row.measure,
            row.result,
            "" if row.ratio is None else f"{row.ratio:.2f}",
            row.target,
            {True: "MET", False: "MISSED", None: "-"}[row.met],
        ]
        for row in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    previous = None
    for row, cell in zip(rows, cells, strict=True):
        if previous is not None and row.section != previous:
            out.append("")
        previous = row.section
        out.append("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
    return "\n".join(out)
