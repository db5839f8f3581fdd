"""The results file of a succeeded job: a CSV of step metrics, served base64-encoded."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable

from tuiftune.server.trainers.progress import StepMetrics

COLUMNS = ("step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy")
FILENAME = "step_metrics.csv"


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.5f}"


def results_csv(metrics: Iterable[StepMetrics]) -> str:
    """One row per step; empty cells where a value was not computed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for m in metrics:
        writer.writerow(
            [
                m.step,
                _cell(m.train_loss),
                _cell(m.train_accuracy),
                _cell(m.valid_loss),
                _cell(m.valid_accuracy),
            ]
        )
    return out.getvalue()


def results_file_content(metrics: Iterable[StepMetrics]) -> bytes:
    """The file's bytes: OpenAI really serves this CSV base64-encoded, so we do too."""
    return base64.b64encode(results_csv(metrics).encode())
