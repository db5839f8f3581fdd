"""``tuiftune eval TEST --job ID`` (the checkpoint matrix) and ``eval --train FILE`` (overlap
between the test set and the training data, shown before any request is paid for)."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuiftune.dataset.preview import printable

if TYPE_CHECKING:
    from tuiftune.evaluation import TestSet
    from tuiftune.evaluation.leakage import PairReport
    from tuiftune.service.checkpoint_eval import MatrixRun
    from tuiftune.service.evals import EvalOptions
    from tuiftune.service.services import Services

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Face:
    """How ``tuiftune eval`` speaks (its error line, options, skip notes and progress line),
    handed in by ``commands.eval`` so that this module need not import it back."""

    fail: Callable[..., int]
    options: Callable[[argparse.Namespace, tuple[str, ...]], EvalOptions]
    note_skips: Callable[[TestSet], None]
    progress_line: Callable[[], Any]
    end_progress: Callable[[Any], None]


def add_options(p: argparse.ArgumentParser) -> None:
    """``--job`` and ``--train`` on ``tuiftune eval``."""
    p.add_argument(
        "--job",
        metavar="ID",
        help="score the job's base model, every checkpoint and its final model (instead of "
        "--model), mark the best, and test each against the final model",
    )
    p.add_argument(
        "--train",
        type=Path,
        metavar="FILE",
        help="warn about test rows that are also in this training file, before any request",
    )


def _warn(reports: list[PairReport]) -> None:
    from tuiftune.commands.overlap import warn_lines

    for line in warn_lines(reports):
        print(printable(line), file=sys.stderr)


async def warn_train_overlap(args: argparse.Namespace) -> None:
    """The ``--train`` check: overlap lines on stderr (nothing when there is none)."""
    if args.train is None:
        return
    from tuiftune.service.leakage_check import overlap_between

    report = await overlap_between(args.train, args.test_file)
    if report is not None:
        _warn([report])
    elif not await asyncio.to_thread(Path(args.train).is_file):
        print(printable(f"warning: --train {args.train}: cannot read it"), file=sys.stderr)


def _out_path(args: argparse.Namespace) -> Path:
    if args.out is not None:
        return Path(args.out)
    job = re.sub(r"[^A-Za-z0-9._-]", "_", args.job)
    return Path.cwd() / f"{Path(args.test_file).stem}.{job}.results.jsonl"


async def run_matrix(args: argparse.Namespace, services: Services, face: Face) -> int:
    """Evaluate every model of the job on the test file and print the matrix."""
    from tuiftune.config import ConfigError
    from tuiftune.evaluation import UnknownMetricError, load_test_set, parse_metrics
    from tuiftune.service.checkpoint_eval import (
        NothingToEvaluateError,
        job_entries,
        run_checkpoint_matrix,
    )
    from tuiftune.service.errors import ServiceError
    from tuiftune.service.evals import ResultsFileError, ResultsWriteError
    from tuiftune.service.leakage_check import job_overlaps

    if args.models:
        return face.fail("--job evaluates the job's own models: leave out --model")
    if args.batch or args.judge_model:
        return face.fail("--job runs live requests without a judge: leave out --batch")
    try:
        groups = parse_metrics(args.metrics)
        options = face.options(args, groups)
    except (UnknownMetricError, OSError, ValueError) as exc:
        return face.fail(str(exc))
    try:
        test_set = await load_test_set(args.test_file)
    except OSError as exc:
        return face.fail(f"cannot read {args.test_file}: {exc.strerror or exc}")
    face.note_skips(test_set)
    if not test_set.examples:
        return face.fail(f"{args.test_file} has no example to evaluate")
    out = _out_path(args)
    await warn_train_overlap(args)
    try:
        provider = await services.open_provider()
    except ConfigError as exc:
        return face.fail(str(exc))
    if args.overwrite:
        out.unlink(missing_ok=True)
    progress = None if args.json else face.progress_line()
    try:
        async with provider:
            prepared = await job_entries(provider.jobs, args.job)
            _warn(await job_overlaps(provider.jobs, prepared[0], args.test_file))
            done = await run_checkpoint_matrix(
                provider,
                test_set,
                args.job,
                out,
                options=options,
                resume=args.resume,
                progress=progress,
                prepared=prepared,
            )
    except NothingToEvaluateError as exc:
        return face.fail(str(exc))
    except ResultsWriteError as exc:
        face.end_progress(progress)
        return face.fail(f"{exc}; rerun with --resume when there is room", EXIT_INCOMPLETE)
    except ResultsFileError as exc:
        return face.fail(f"{exc} (use --resume or --overwrite)")
    except ServiceError as exc:
        face.end_progress(progress)
        return face.fail(f"{exc}; results so far are in {out}", EXIT_INCOMPLETE)
    face.end_progress(progress)
    _print(args, done, out)
    return EXIT_OK if done.run.complete else EXIT_INCOMPLETE


def _print(args: argparse.Namespace, done: MatrixRun, out: Path) -> None:
    if args.json:
        from tuiftune.evaluation.reports import json_text

        doc = {
            "job": done.job.id,
            "test_set": str(args.test_file),
            "examples": done.run.total // max(1, len(done.models)),
            **done.matrix.to_dict(),
            "run": {"results_file": str(out), **done.run.to_dict()},
        }
        sys.stdout.write(json_text(doc) + "\n")
        return
    from rich.console import Console
    from rich.text import Text

    from tuiftune.evaluation.matrix_table import matrix_table, model_lines

    console = Console(highlight=False, soft_wrap=True)
    title = f"{done.job.id} on {args.test_file}"
    console.print(matrix_table(done.matrix, title=title))
    for name in model_lines(done.matrix):
        console.print(name)
    best = done.matrix.best
    if best is not None:
        line = f"best: {best.entry.label} {best.entry.model} ({done.matrix.metric} "
        line += f"{best.score:.3f})" if best.score is not None else "-)"
        console.print(Text(printable(line)))
    status = "complete" if done.run.complete else f"INCOMPLETE ({len(done.run.failures)} failed)"
    run = done.run
    counts = f"{run.new} new, {run.resumed} resumed, {run.rate_limited} rate-limited"
    console.print(Text(printable(f"{status}: {counts}; results in {out}")))
