"""``tuiftune eval TEST --job ID`` (the checkpoint matrix) and ``eval --train FILE`` (overlap
between the test set and the training data, shown before any request is paid for)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuiftune.commands.eval_outcome import EXIT_SERVICE, answer_errors
from tuiftune.commands.matrix_output import print_matrix, print_scored, wants_chart
from tuiftune.dataset.preview import printable

if TYPE_CHECKING:
    from tuiftune.evaluation import TestSet
    from tuiftune.evaluation.leakage import PairReport
    from tuiftune.service.checkpoint_eval import MatrixRun, ResultsPlace
    from tuiftune.service.evals import EvalOptions
    from tuiftune.service.providers.base import Provider
    from tuiftune.service.services import Services
    from tuiftune.service.types import Job, MetricPoint

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
    """``--job``, ``--follow``, ``--chart`` and ``--train`` on ``tuiftune eval``."""
    p.add_argument(
        "--job",
        metavar="ID",
        help="score the job's base model, every checkpoint and its final model (instead of "
        "--model), mark the best, and test each against the final model; TEST may be left "
        "out when the job names its test set (jobs create --test-file)",
    )
    p.add_argument(
        "--follow",
        action="store_true",
        help="with --job: score each checkpoint and the final model as it lands, until the job "
        "ends (always resumes: Ctrl+C, then the same command again, pays for nothing twice)",
    )
    p.add_argument(
        "--chart",
        action="store_true",
        help="with --job: draw the metric-by-step chart in the text output even when stdout "
        "is not a terminal (plain text, 80 columns)",
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


async def warn_train_overlap(args: argparse.Namespace, test_file: Path | None = None) -> None:
    """The ``--train`` check of ``test_file`` (TEST by default): overlap lines on stderr
    (nothing when there is none)."""
    if args.train is None:
        return
    from tuiftune.service.leakage_check import overlap_between

    report = await overlap_between(args.train, test_file or args.test_file)
    if report is not None:
        _warn([report])
    elif not await asyncio.to_thread(Path(args.train).is_file):
        print(printable(f"warning: --train {args.train}: cannot read it"), file=sys.stderr)


async def _out_place(args: argparse.Namespace, test_file: Path) -> ResultsPlace:
    """--out, else the default the Jobs area's matrix also uses (so each resumes the other)."""
    from tuiftune.service.checkpoint_eval import ResultsPlace, matrix_results_place

    if args.out is not None:
        return ResultsPlace(Path(args.out), chosen=True)
    return await matrix_results_place(test_file, args.job)


def interrupted(args: argparse.Namespace) -> str:
    """What ``eval`` says on Ctrl+C: where the results are and how to go on."""
    out = getattr(args, "results_path", None)
    if out is None:
        return "interrupted before any request"
    if args.job and args.follow:
        return f"interrupted; run the same command again to resume (results so far in {out})"
    return f"interrupted; rerun with --resume to finish {out}"


def _usage_problem(args: argparse.Namespace) -> str | None:
    if args.models:
        return "--job evaluates the job's own models: leave out --model"
    if args.batch or args.judge_model:
        return "--job runs live requests without a judge: leave out --batch"
    if args.resume and args.overwrite:
        return "--resume keeps the results file and --overwrite deletes it: give one"
    return None


async def _test_set(face: Face, test_file: Path) -> TestSet | int:
    from tuiftune.evaluation import load_test_set

    try:
        test_set = await load_test_set(test_file)
    except OSError as exc:
        return face.fail(f"cannot read {test_file}: {exc.strerror or exc}")
    face.note_skips(test_set)
    if not test_set.examples:
        return face.fail(f"{test_file} has no example to evaluate")
    return test_set


def _test_file(args: argparse.Namespace, job: Job) -> Path | str:
    """TEST, else the job's recorded test set; a sentence when there is neither."""
    from tuiftune.service.checkpoint_follow import TEST_FILE_KEY, job_test_file

    if args.test_file is not None:
        return Path(args.test_file)
    recorded = job_test_file(job)
    if recorded is None:
        return (
            f"give TEST.jsonl: {job.id} names no test set (no {TEST_FILE_KEY} in its "
            "metadata; jobs create --test-file records one)"
        )
    return recorded


async def run_matrix(args: argparse.Namespace, services: Services, face: Face) -> int:
    """Evaluate every model of the job on the test file (TEST, or the one the job names) and
    print the matrix; with ``--follow``, each checkpoint as it lands until the job ends."""
    from tuiftune.config import ConfigError
    from tuiftune.evaluation import UnknownMetricError, parse_metrics
    from tuiftune.service.checkpoint_eval import NothingToEvaluateError
    from tuiftune.service.errors import ServiceError
    from tuiftune.service.evals import ResultsFileError, ResultsWriteError
    from tuiftune.service.jobs import JobsService
    from tuiftune.service.leakage_check import job_overlaps

    problem = _usage_problem(args)
    if problem:
        return face.fail(problem)
    try:
        groups = parse_metrics(args.metrics)
        options = face.options(args, groups)
    except (UnknownMetricError, OSError, ValueError) as exc:
        return face.fail(str(exc))
    # A TEST given is read before anything is asked of the provider.
    test_set = None if args.test_file is None else await _test_set(face, Path(args.test_file))
    if isinstance(test_set, int):
        return test_set
    try:
        provider = await services.open_provider()
    except ConfigError as exc:
        return face.fail(str(exc))
    progress = None if args.json else face.progress_line()
    out: Path | None = None
    try:
        async with provider:
            job = await JobsService(provider.jobs).retrieve(args.job)
            test_file = _test_file(args, job)
            if isinstance(test_file, str):
                return face.fail(test_file)
            if test_set is None:
                test_set = await _test_set(face, test_file)
                if isinstance(test_set, int):
                    return test_set
            place = await _out_place(args, test_file)
            out = args.results_path = place.path
            if args.overwrite:
                await asyncio.to_thread(out.unlink, missing_ok=True)
            await warn_train_overlap(args, test_file)
            _warn(await job_overlaps(provider.jobs, job, test_file))
            done = await _score(args, services, provider, test_set, place, options, progress)
            points = await _points(provider, done) if wants_chart(args) else []
    except NothingToEvaluateError as exc:
        return face.fail(str(exc))
    except ResultsWriteError as exc:
        face.end_progress(progress)
        return face.fail(f"{exc}; rerun with --resume when there is room", EXIT_INCOMPLETE)
    except ResultsFileError as exc:
        return face.fail(f"{exc} (use --resume or --overwrite)")
    except ServiceError as exc:
        face.end_progress(progress)
        where = f"; results so far are in {out}" if out is not None else ""
        return face.fail(f"{exc}{where}", EXIT_INCOMPLETE)
    face.end_progress(progress)
    errors = answer_errors(done.run.results)
    if errors is not None and errors.every:
        return face.fail(errors.line(out), EXIT_SERVICE)
    print_matrix(args, done, test_file, place, points)
    if errors is not None:
        print(printable(errors.line(out)), file=sys.stderr)
    return EXIT_OK if done.run.complete else EXIT_INCOMPLETE


async def _score(
    args: argparse.Namespace,
    services: Services,
    provider: Provider,
    test_set: TestSet,
    place: ResultsPlace,
    options: EvalOptions,
    progress: Any,
) -> MatrixRun:
    """The matrix as it is now, or (``--follow``) as the job's checkpoints land."""
    from tuiftune.service.checkpoint_eval import job_entries, run_checkpoint_matrix

    out = place.path

    if not args.follow:
        return await run_checkpoint_matrix(
            provider,
            test_set,
            args.job,
            out,
            options=options,
            resume=args.resume,
            progress=progress,
            prepared=await job_entries(provider.jobs, args.job),
        )
    from tuiftune.commands.jobs_watch import poll_policy
    from tuiftune.service.checkpoint_follow import follow_checkpoint_matrix

    note = f"following {args.job}: each checkpoint scored on {test_set.path} as it lands"
    print(printable(f"{note}; {place.describe()}"), file=sys.stderr, flush=True)
    return await follow_checkpoint_matrix(
        provider,
        test_set,
        args.job,
        out,
        options=options,
        progress=progress,
        on_scored=lambda scored: print_scored(args, scored),
        policy=poll_policy(args.poll_interval),
        sleep=services.sleep,
    )


async def _points(provider: Provider, done: MatrixRun) -> list[MetricPoint]:
    """The job's metrics for the chart; none (the checkpoints' own losses then) when its
    results file cannot be read: the scores are in, a missing file must not lose them."""
    from tuiftune.service.errors import ServiceError
    from tuiftune.service.jobs import JobsService

    try:
        return await JobsService(provider.jobs).result_metrics(done.job)
    except (ServiceError, ValueError):
        return []
