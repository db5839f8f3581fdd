"""``tuiftune eval``: score one or two models on a test set, resumably, and compare them."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuiftune.commands.arg_types import concurrency, positive_float, positive_int, temperature
from tuiftune.dataset.preview import printable

if TYPE_CHECKING:
    from rich.console import Console

    from tuiftune.evaluation import EvalSummary, TestSet
    from tuiftune.service.evals import EvalOptions, EvalProgress, EvalRun
    from tuiftune.service.services import Services

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
SHOWN_SKIPS = 5


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``tuiftune eval``."""
    p = subparsers.add_parser(
        "eval",
        help="evaluate one or two models on a test set (resumable) and compare them",
        description="Run a test set (chat, legacy or preference JSONL; the last assistant "
        "message, the completion or the preferred output is the reference) through one or two "
        "models, append each result to a results JSONL as it arrives, and print a summary. "
        "Exit 0 when every example has a result (answers that are errors are counted on stderr), "
        "1 when some are missing (rerun with --resume), 2 for usage errors, 3 when every answer "
        "is an error or the server refused the run before any answer, 130 when interrupted.",
    )
    p.add_argument("test_file", metavar="TEST.jsonl", nargs="?")  # --job: the job's own
    p.add_argument(
        "--model",
        "-m",
        action="append",
        dest="models",
        help="model to evaluate; give it twice to compare B (second) with A (or use --job)",
    )
    p.add_argument("--concurrency", "-c", type=concurrency, default=4, metavar="N")
    p.add_argument(
        "--out",
        "-o",
        type=Path,
        metavar="FILE",
        help="results JSONL (default: ./<test name>.results.jsonl; with --job: <test name>."
        "<job>.results.jsonl next to TEST, or here when its folder cannot be written)",
    )
    p.add_argument("--resume", action="store_true", help="skip examples already in --out")
    p.add_argument("--overwrite", action="store_true", help="start over, deleting --out")
    p.add_argument(
        "--metrics",
        default="em,f1,bleu,rouge,class",
        help="comma-separated: em, f1, bleu, rouge, class (default: all)",
    )
    p.add_argument("--batch", action="store_true", help="use the Batch API instead of live calls")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.add_argument("--rpm", type=positive_float, help="request budget per minute")
    p.add_argument("--tpm", type=positive_float, help="token budget per minute (estimated)")
    p.add_argument(
        "--temperature", type=temperature, default=0.0, help="sampling temperature, 0-2 (0)"
    )
    p.add_argument("--max-tokens", type=positive_int, help="answer length limit")
    p.add_argument(
        "--max-attempts",
        type=positive_int,
        default=8,
        metavar="N",
        help="attempts per request on 429/5xx/network errors (default 8)",
    )
    p.add_argument("--judge-model", help="LLM-as-judge model (needs --rubric)")
    p.add_argument("--rubric", type=Path, metavar="FILE", help="grading rubric for the judge")
    p.add_argument(
        "--poll-interval",
        type=positive_float,
        metavar="S",
        help="seconds between batch checks (10; 1 in the sandbox) or --follow's polls (2)",
    )
    p.add_argument("--csv", type=Path, metavar="FILE", help="write per-example scores as CSV")
    p.add_argument("--report", type=Path, metavar="FILE", help="write a Markdown report")
    p.add_argument("--export-json", type=Path, metavar="FILE", help="write summary + results")
    p.add_argument("--profile", help="backend profile from the config file")
    p.add_argument("--sandbox", action="store_true", help="use the local simulated server")
    from tuiftune.commands.eval_job import add_options

    add_options(p)
    p.set_defaults(func=run, needs_services=True)


def run(args: argparse.Namespace, services: Services) -> int:
    """Run the eval; results are saved even when interrupted."""
    try:
        return asyncio.run(_run(args, services))
    except KeyboardInterrupt:
        from tuiftune.commands.eval_job import interrupted

        return _fail(interrupted(args), EXIT_INTERRUPTED)


def _out_path(args: argparse.Namespace) -> Path:
    if args.out is not None:
        return Path(args.out)
    return Path.cwd() / f"{Path(args.test_file).stem}.results.jsonl"


def _clause(exc: Exception) -> str:
    """A server's message as the first clause of a line ("... access to it.; nothing" read
    doubled)."""
    return str(exc).rstrip().rstrip(".")


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    # Paths, model names and server messages are data: escapes shown, never sent.
    print(f"tuiftune eval: {printable(message)}", file=sys.stderr)
    return code


def _options(args: argparse.Namespace, groups: tuple[str, ...]) -> EvalOptions:
    from tuiftune.commands.common import read_text_option
    from tuiftune.evaluation import Rubric
    from tuiftune.service.evals import EvalOptions, JudgeSpec
    from tuiftune.service.types import SamplingParams

    judge = None
    if args.judge_model:
        judge = JudgeSpec(args.judge_model, Rubric(read_text_option("--rubric", args.rubric)))
    sampling = SamplingParams(temperature=args.temperature, max_tokens=args.max_tokens)
    return EvalOptions(
        concurrency=args.concurrency,
        metrics=groups,
        sampling=sampling,
        rpm=args.rpm,
        tpm=args.tpm,
        max_attempts=args.max_attempts,
        judge=judge,
    )


def _note_skips(test_set: TestSet) -> None:
    for note in test_set.file_notes:
        print(printable(f"warning: {note}"), file=sys.stderr)
    for skip in test_set.skipped[:SHOWN_SKIPS]:
        print(printable(f"{test_set.path}:{skip.line}: skipped: {skip.reason}"), file=sys.stderr)
    if len(test_set.skipped) > SHOWN_SKIPS:
        print(f"... and {len(test_set.skipped) - SHOWN_SKIPS} more skipped", file=sys.stderr)


def _progress_line() -> Any:
    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def show(p: EvalProgress) -> None:
        now = time.monotonic()
        if now - last[0] < 0.1 and p.done < p.total:
            return  # redraw at most ten times a second
        last[0] = now
        minutes, seconds = divmod(int(p.eta or 0), 60)
        eta = "--:--" if p.eta is None else f"{minutes:02d}:{seconds:02d}"
        extra = f" paused {p.paused_for:.0f}s" if p.paused_for >= 1 else ""
        extra += (f" failed {p.failed}" if p.failed else "") + (f" {p.note}" if p.note else "")
        pct = 100 * p.done // max(1, p.total)
        line = f"eval: {p.done}/{p.total} ({pct}%) {p.rate:.1f}/s ETA {eta}{extra}"
        width = max(20, shutil.get_terminal_size().columns - 1)
        sys.stderr.write("\r" + printable(line)[:width].ljust(width))
        sys.stderr.flush()

    return show


def _outputs(args: argparse.Namespace, out: Path) -> list[tuple[str, Path]]:
    exports = [("--csv", args.csv), ("--report", args.report), ("--export-json", args.export_json)]
    return [(flag, Path(path)) for flag, path in exports if path is not None]


def _check_outputs(args: argparse.Namespace, out: Path) -> str | None:
    """Why an output could not be written, found before any request is paid for."""
    from tuiftune.service.evals import ResultsFileError, check_writable

    seen = {out.resolve(): "--out"}
    for flag, path in _outputs(args, out):
        other = seen.setdefault(path.resolve(), flag)
        if other != flag:
            return f"{flag} {path} is also {other}: give each output its own file"
    try:
        check_writable(out, create_parent=True)
        for _, path in _outputs(args, out):
            check_writable(path)
    except ResultsFileError as exc:
        return str(exc)
    return None


async def _run(args: argparse.Namespace, services: Services) -> int:
    from tuiftune.commands import eval_job
    from tuiftune.commands.eval_outcome import EXIT_SERVICE, answer_errors, write_exports
    from tuiftune.config import ConfigError
    from tuiftune.evaluation import UnknownMetricError, parse_metrics, summarize
    from tuiftune.service.errors import ServiceError
    from tuiftune.service.evals import ResultsFileError, ResultsWriteError, run_eval

    if args.job:
        face = eval_job.Face(_fail, _options, _note_skips, _progress_line, _end_progress)
        return await eval_job.run_matrix(args, services, face)
    if not args.models or args.test_file is None or args.follow:
        return _fail("give TEST.jsonl and --model (twice to compare two), or --job ID")
    if len(set(args.models)) > 2:
        return _fail("give one model, or two to compare")
    if args.judge_model and not args.rubric:
        return _fail("--judge-model needs --rubric FILE")
    if args.resume and args.overwrite:
        return _fail("--resume keeps the results file and --overwrite deletes it: give one")
    try:
        groups = parse_metrics(args.metrics)
        options = _options(args, groups)
    except (UnknownMetricError, OSError, ValueError) as exc:
        return _fail(str(exc))
    # The scorers (and then the summary's libraries) load in a thread, and the provider (the
    # SDK's imports) opens, while the test set is linted: off the path to the first result.
    warm = _warm_up_task(groups, len(set(args.models)))
    opening = asyncio.ensure_future(services.open_provider())
    try:
        prepared = await _prepare(args)
    except BaseException:
        await _discard(opening)
        raise
    if isinstance(prepared, int):
        await _discard(opening)
        return prepared
    test_set, out = prepared
    try:
        provider = await opening
    except ConfigError as exc:
        return _fail(str(exc))
    if args.overwrite:
        out.unlink(missing_ok=True)
    existed = out.exists()
    await asyncio.shield(warm.scorers)
    progress = None if args.json else _progress_line()
    poll = args.poll_interval or (1.0 if provider.label == "SANDBOX" else 10.0)
    try:
        async with provider:
            result = await run_eval(
                provider,
                test_set,
                args.models,
                out,
                options=options,
                resume=args.resume,
                batch=args.batch,
                progress=progress,
                poll_interval=poll,
            )
    except ResultsWriteError as exc:
        _end_progress(progress)
        return _fail(f"{exc}; rerun with --resume when there is room", EXIT_INCOMPLETE)
    except ResultsFileError as exc:
        return _fail(f"{exc} (use --resume or --overwrite)")
    except ServiceError as exc:
        _end_progress(progress)
        if not existed and out.is_file() and out.stat().st_size == 0:
            # Refused before any answer (no such model, a bad key): a --resume would be too.
            out.unlink(missing_ok=True)
            code = EXIT_INCOMPLETE if exc.transient else EXIT_SERVICE
            return _fail(f"{_clause(exc)}; nothing was written", code)
        return _fail(f"{_clause(exc)}; results so far are in {out}", EXIT_INCOMPLETE)
    _end_progress(progress)
    for line, problem in result.bad_lines[:SHOWN_SKIPS]:
        print(printable(f"warning: {out}:{line}: ignored: {problem}"), file=sys.stderr)
    errors = answer_errors(result.results)
    if errors is not None and errors.every:  # scores of nothing but errors would read as zeros
        return _fail(errors.line(out), EXIT_SERVICE)
    summary = await asyncio.to_thread(
        summarize,
        result.results,
        result.models,
        groups,
        test_set=test_set.path,
        total_examples=len(test_set.examples),
        labels=test_set.labels,
    )
    try:
        await asyncio.to_thread(write_exports, args, summary, result)
    except OSError as exc:
        return _fail(f"cannot write an export: {exc.strerror or exc}", EXIT_INCOMPLETE)
    if args.json:
        doc = {**summary.to_dict(), "run": {"results_file": str(out), **result.to_dict()}}
        from tuiftune.evaluation.reports import json_text

        sys.stdout.write(json_text(doc) + "\n")
    else:
        from rich.console import Console

        print_summary(Console(highlight=False, soft_wrap=True), summary, result, out)
    if errors is not None:
        print(printable(errors.line(out)), file=sys.stderr)
    return EXIT_OK if result.complete else EXIT_INCOMPLETE


async def _prepare(args: argparse.Namespace) -> tuple[TestSet, Path] | int:
    """The test set and the results path, or the exit code of a problem already reported."""
    from tuiftune.commands import eval_job
    from tuiftune.evaluation import load_test_set

    try:
        test_set = await load_test_set(args.test_file)
    except OSError as exc:
        return _fail(f"cannot read {args.test_file}: {exc.strerror or exc}")
    _note_skips(test_set)
    if not test_set.examples:
        return _fail(f"{args.test_file} has no example to evaluate")
    await eval_job.warn_train_overlap(args)
    out = args.results_path = _out_path(args)
    problem = await asyncio.to_thread(_check_outputs, args, out)
    if problem:
        return _fail(problem)
    return test_set, out


async def _discard(opening: asyncio.Future[Any]) -> None:
    """Close a provider opened for a run that is not going to happen."""
    if not opening.done():
        opening.cancel()
    with contextlib.suppress(BaseException):
        provider = await opening
        await provider.aclose()


class _Warm:
    """The scorers' loading (awaited before the run) and then the summary's (in the background)."""

    def __init__(self, scorers: asyncio.Future[None]) -> None:
        self.scorers = scorers


def _warm_up_task(groups: tuple[str, ...], models: int) -> _Warm:
    from tuiftune.evaluation.metrics import preload_metrics, preload_summary

    def quietly(load: Any, *load_args: Any) -> None:
        # Only a head start: a library that fails to load fails again, visibly, where it is used.
        with contextlib.suppress(Exception):
            load(*load_args)

    scorers = asyncio.ensure_future(asyncio.to_thread(quietly, preload_metrics, groups))
    scorers.add_done_callback(
        lambda _: asyncio.ensure_future(asyncio.to_thread(quietly, preload_summary, groups, models))
    )
    return _Warm(scorers)


def _end_progress(progress: Any) -> None:
    if progress:
        sys.stderr.write("\n")


def print_summary(console: Console, summary: EvalSummary, result: EvalRun, out: Path) -> None:
    """The end-of-run tables and a status line; user data is never read as markup."""
    from rich.text import Text

    from tuiftune.evaluation.tables import comparison_table, scores_table

    console.print(scores_table(summary))
    comparison = comparison_table(summary)
    if comparison is not None:
        console.print(comparison)
    status = "complete" if result.complete else f"INCOMPLETE ({len(result.failures)} failed)"
    counts = f"{result.new} new, {result.resumed} resumed, {result.rate_limited} rate-limited"
    console.print(Text(printable(f"{status}: {counts} in {result.elapsed:.1f}s; results in {out}")))
