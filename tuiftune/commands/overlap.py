"""Overlap between the files given to a command (``lint A B``, ``eval --train``): printed."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from tuiftune.evaluation.leakage import PairReport

SHOWN = 10


async def compare(paths: Sequence[str | Path]) -> list[PairReport]:
    """Every pair of the readable ``paths`` compared, in a thread (reading and hashing block);
    a file that cannot be read was reported by the caller and is left out."""
    from tuiftune.evaluation.leakage import compare_files

    def run() -> list[PairReport]:
        readable = [p for p in dict.fromkeys(str(p) for p in paths) if os.path.isfile(p)]
        try:
            return compare_files(readable)
        except OSError:
            return []  # removed or unreadable between the check and the read

    return await asyncio.to_thread(run)


def print_reports(console: Console, reports: Sequence[PairReport], *, show_all: bool) -> None:
    """One paragraph per pair of files: a summary line, then the hits (a few, or all)."""
    from rich.text import Text

    from tuiftune.dataset.preview import visible

    if not reports:
        return
    console.print(Text("Overlap between files", style="bold"))
    for report in reports:
        line = Text("  ")
        style = "yellow" if report.overlaps else "green"
        line.append(visible(report.summary()), style=style)
        console.print(line)
        shown = report.overlaps if show_all else report.overlaps[:SHOWN]
        for o in shown:
            console.print(Text(f"    {visible(o.describe())}"))
        rest = len(report.overlaps) - len(shown)
        if rest > 0:
            console.print(Text(f"    ... and {rest:,} more (--all lists them)", style="dim"))
    console.print()


def warn_lines(reports: Sequence[PairReport], limit: int = 3) -> list[str]:
    """Short warning lines for a command about to spend money (eval, jobs create)."""
    out: list[str] = []
    for report in reports:
        if not report.overlaps:
            continue
        out.append(f"warning: {report.summary()}")
        out += [f"  {o.describe()}" for o in report.overlaps[:limit]]
        if len(report.overlaps) > limit:
            out.append(f"  ... and {len(report.overlaps) - limit:,} more")
    return out
