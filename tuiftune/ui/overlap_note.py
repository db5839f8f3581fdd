"""Overlap between two files (training vs validation or test) as a few plain lines for a
notification or a form, naming both files and lines (text is data: no markup)."""

from __future__ import annotations

from collections.abc import Sequence

from tuiftune.evaluation.leakage import PairReport

SHOWN = 3


def overlap_lines(reports: Sequence[PairReport | None], limit: int = SHOWN) -> list[str]:
    """The summary and the first hits of each report that found any (none when none did)."""
    out: list[str] = []
    for report in reports:
        if report is None or not report.overlaps:
            continue
        out.append(report.summary())
        out += [f"  {o.describe()}" for o in report.overlaps[:limit]]
        if len(report.overlaps) > limit:
            out.append(f"  ... and {len(report.overlaps) - limit:,} more (tuiftune lint A B)")
    return out
