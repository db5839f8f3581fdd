"""What ``tuiftune eval`` makes of a finished run besides its scores: the answers that are
errors (every one of them is a failed run, exit 3; some are a warning), and the exports."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuiftune.evaluation import EvalSummary
    from tuiftune.evaluation.results import EvalResult
    from tuiftune.service.evals import EvalRun

EXIT_SERVICE = 3
"""As ``tuiftune jobs``: the API could not be reached or refused the requests."""


@dataclass(frozen=True)
class AnswerErrors:
    """How many answers of the run are errors, of how many, and the first error (by example)."""

    errored: int
    total: int
    first: str

    @property
    def every(self) -> bool:
        """True when no answer came back at all: the scores would all be zeros."""
        return self.errored == self.total

    def line(self, out: Path) -> str:
        """One line for stderr, naming the first error and where the results are."""
        if self.every:
            head = f"every request failed ({self.errored} of {self.total} answers are errors)"
        else:
            head = f"warning: {self.errored} of {self.total} answers are errors"
        return f"{head}; the first: {self.first}; results in {out}"


def answer_errors(results: Sequence[EvalResult]) -> AnswerErrors | None:
    """The errors among ``results`` (each recorded with its example), None when there is none."""
    errored = sorted((r for r in results if r.error), key=lambda r: (r.index, r.model))
    if not errored:
        return None
    return AnswerErrors(len(errored), len(results), str(errored[0].error))


def write_exports(args: argparse.Namespace, summary: EvalSummary, result: EvalRun) -> None:
    """``--csv``, ``--report`` and ``--export-json`` (blocking: call it in a thread)."""
    from tuiftune.evaluation import to_csv, to_json, to_markdown
    from tuiftune.service.evals_io import write_export

    if args.csv:
        write_export(Path(args.csv), to_csv(result.results, summary.metrics))
    if args.report:
        write_export(Path(args.report), to_markdown(summary, result.results))
    if args.export_json:
        write_export(Path(args.export_json), to_json(summary, result.results))
