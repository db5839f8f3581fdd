"""What ``tuiftune eval --job`` prints: a line per model as it is scored (``--follow``), then
the matrix as a table, the metric-by-step chart (on a terminal, or with ``--chart``), each
model's full name, the best one and how the run went, or all of it as one JSON document.

Model names and paths are data: escapes shown, never sent. The chart carries ANSI colours
only when stdout is a terminal; otherwise it is plain text, never wider than 80 columns.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tuiftune.dataset.preview import printable

if TYPE_CHECKING:
    from tuiftune.service.checkpoint_eval import MatrixRun, ResultsPlace
    from tuiftune.service.checkpoint_follow import Scored
    from tuiftune.service.types import MetricPoint

CHART_WIDTH, CHART_HEIGHT, NARROWEST = 80, 18, 40


def scored_line(scored: Scored) -> str:
    """``step 3    em_norm 0.250  8 examples  [job running]  ft:...:ckpt-step-3``: one model
    just scored, and the job's status when it was."""
    from tuiftune.evaluation.reports import fmt_score

    row, metric = scored.row, scored.matrix.metric
    errors = f", {row.errors} errors" if row.errors else ""
    return printable(
        f"{row.entry.label:<9} {metric} {fmt_score(metric, row.score)}  "
        f"{row.n} examples{errors}  [job {scored.job.status}]  {row.entry.model}"
    )


def print_scored(args: argparse.Namespace, scored: Scored) -> None:
    """The line of a model scored while following (on stderr when stdout carries JSON), the
    progress line on a terminal wiped first so that the two do not run into each other."""
    if sys.stderr.isatty():
        sys.stderr.write("\r" + " " * (shutil.get_terminal_size().columns - 1) + "\r")
        sys.stderr.flush()
    print(scored_line(scored), file=sys.stderr if args.json else sys.stdout, flush=True)


def wants_chart(args: argparse.Namespace) -> bool:
    """The chart comes with the text output on a terminal, or anywhere with ``--chart``."""
    return not args.json and (bool(args.chart) or sys.stdout.isatty())


def chart_text(done: MatrixRun, points: list[MetricPoint], *, tty: bool) -> str:
    """The matrix's metric by step beside the job's losses; the losses each checkpoint
    reported stand in when the job's metrics file is not there (yet)."""
    from tuiftune.step_chart import chart_data, matrix_points, text_chart

    steps = [e.step for e in done.entries if e.kind == "checkpoint" and e.step is not None]
    data = chart_data(points or matrix_points(done.matrix), steps, done.matrix)
    width = CHART_WIDTH
    if tty:
        width = max(NARROWEST, min(CHART_WIDTH, shutil.get_terminal_size().columns))
    return text_chart(data, width=width, height=CHART_HEIGHT, colour=tty)


def print_matrix(
    args: argparse.Namespace,
    done: MatrixRun,
    test_file: Path,
    place: ResultsPlace,
    points: list[MetricPoint],
) -> None:
    """The end of the run: JSON, or the table, the chart, the names and the status line (which
    says where the results are, and why there when not next to the test file)."""
    out = place.path
    if args.json:
        from tuiftune.evaluation.reports import json_text

        doc = {
            "job": done.job.id,
            "test_set": str(test_file),
            "examples": done.run.total // max(1, len(done.models)),
            **done.matrix.to_dict(),
            "run": {
                "results_file": str(out),
                "results_beside_test": place.beside_test,
                **done.run.to_dict(),
            },
        }
        sys.stdout.write(json_text(doc) + "\n")
        return
    from rich.console import Console
    from rich.text import Text

    from tuiftune.evaluation.matrix_table import matrix_table, model_lines

    console = Console(highlight=False, soft_wrap=True)
    console.print(matrix_table(done.matrix, title=f"{done.job.id} on {test_file}"))
    if wants_chart(args):
        sys.stdout.write(chart_text(done, points, tty=sys.stdout.isatty()))
        sys.stdout.flush()
    for name in model_lines(done.matrix):
        console.print(name)
    best = done.matrix.best
    if best is not None:
        line = f"best: {best.entry.label} {best.entry.model} ({done.matrix.metric} "
        line += f"{best.score:.3f})" if best.score is not None else "-)"
        console.print(Text(printable(line)))
    run = done.run
    status = "complete" if run.complete else f"INCOMPLETE ({len(run.failures)} failed)"
    counts = f"{run.new} new, {run.resumed} resumed, {run.rate_limited} rate-limited"
    console.print(Text(printable(f"{status}: {counts}; {place.describe()}")))
