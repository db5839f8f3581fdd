"""Per-example training losses (the local trainer's ``example_losses.jsonl`` results file):
parsed, and the rows whose loss stayed high after training picked out.

A row the final model still cannot fit is often mislabeled or contradicts another row. "High"
is robust to the spread of the file: more than ``HIGH_MADS`` median absolute deviations above
the median loss (a z-score of about 2 for normally spread losses), so one huge loss does not
hide the others as a mean and standard deviation would.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import median

FILENAME = "example_losses.jsonl"
HIGH_MADS = 3.0


@dataclass(frozen=True)
class ExampleLoss:
    """The final model's mean token loss on one training row (1-based line)."""

    line: int
    loss: float
    tokens: int
    token_accuracy: float | None = None


def parse_example_losses(data: bytes) -> dict[int, ExampleLoss]:
    """The rows of an ``example_losses.jsonl``, by line; lines that do not parse are left out."""
    out: dict[int, ExampleLoss] = {}
    for raw in data.splitlines():
        try:
            row = json.loads(raw)
            line, loss = int(row["line"]), row["loss"]
        except (ValueError, KeyError, TypeError, RecursionError):
            continue
        if not isinstance(loss, int | float) or not math.isfinite(loss) or line < 1:
            continue
        accuracy = row.get("token_accuracy")
        out[line] = ExampleLoss(
            line,
            float(loss),
            int(row.get("tokens") or 0),
            float(accuracy) if isinstance(accuracy, int | float) else None,
        )
    return out


def high_loss_rows(
    losses: Mapping[int, ExampleLoss], *, mads: float = HIGH_MADS
) -> list[ExampleLoss]:
    """Rows whose loss is more than ``mads`` median absolute deviations above the median,
    highest first (none when the losses barely vary)."""
    values = [r.loss for r in losses.values()]
    if len(values) < 3:
        return []
    mid = median(values)
    spread = median(abs(v - mid) for v in values)
    if spread <= 1e-12:
        return []
    high = [r for r in losses.values() if (r.loss - mid) / spread > mads]
    return sorted(high, key=lambda r: (-r.loss, r.line))
