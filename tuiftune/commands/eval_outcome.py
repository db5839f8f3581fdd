"""What ``tuiftune eval`` makes of a finished run besides its scores: the answers that are
errors (every one of them is a failed run, exit 3; some are a warning), and the exports."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuiftune.evaluation import EvalSummary
    from tuiftune.evaluation.answer_errors import AnswerErrors
    from tuiftune.evaluation.results import EvalResult
    from tuiftune.service.evals import EvalRun

EXIT_SERVICE = 3
"""As ``tuiftune jobs``: the API could not be reached or refused the requests."""


def answer_errors(results: Sequence[EvalResult]) -> AnswerErrors | None:
    """The errors among ``results``, None when there is none (the Eval screen's count too)."""
    # Imported here: the parser imports this module, and tuiftune.evaluation costs ~30 ms.
    from tuiftune.evaluation.answer_errors import answer_errors as found

    return found(results)


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
