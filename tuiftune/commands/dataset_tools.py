"""``tuiftune split``, ``convert`` and ``import-csv``: new dataset files from existing data.

Each writes new files atomically and never touches its input. Exit codes: 0 written, 1 nothing
could be written, 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tuiftune.commands.common import unescape

if TYPE_CHECKING:
    from tuiftune.dataset.split import Skipped

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``tuiftune split``, ``tuiftune convert`` and ``tuiftune import-csv``."""
    p = subparsers.add_parser(
        "split",
        help="split a dataset into training and validation files",
        description="Split a JSONL dataset into new training and validation files. The split is "
        "seeded; classification-like data (short, repeated answers) is stratified by label; "
        "exact duplicates and records with the same prompt stay on one side. Records are "
        "copied byte for byte; blank and invalid lines are left out and listed.",
    )
    p.add_argument("file", metavar="FILE")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--validation", type=float, metavar="FRACTION", help="default: 0.1")
    size.add_argument("--validation-count", type=int, metavar="N", help="records to hold out")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("-o", "--output", metavar="TRAIN", help="default: FILE.train.jsonl")
    p.add_argument("--validation-out", metavar="VAL", help="default: FILE.validation.jsonl")
    _force(p)
    p.set_defaults(func=run_split)

    p = subparsers.add_parser(
        "convert",
        help="convert legacy prompt/completion data to chat",
        description="Convert legacy prompt/completion records to chat records in a new file: "
        "the file's separator is stripped from each prompt (the user message), its stop "
        "sequence and leading space from each completion (the assistant message).",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--to", choices=["chat"], required=True, help="the target format")
    p.add_argument("--system", metavar="TEXT", help="a system message for every record")
    p.add_argument("-o", "--output", metavar="OUT", required=True)
    p.add_argument(
        "--keep-unconverted", action="store_true", help="copy lines that cannot be converted"
    )
    p.add_argument("--separator", help="the prompt separator (default: the file's consensus)")
    p.add_argument("--stop", help="the completion stop sequence (default: the file's consensus)")
    _force(p)
    p.set_defaults(func=run_convert)

    p = subparsers.add_parser(
        "import-csv",
        help="turn a CSV (or TSV) into a JSONL dataset",
        description="Turn CSV rows into chat or legacy records in a new JSONL file. Columns are "
        "header names or 1-based numbers; without them prompt/user/input/question and "
        "completion/assistant/output/answer headers are tried. The delimiter is detected. "
        "Rows with an empty prompt or completion cell are left out and listed.",
    )
    p.add_argument("csv", metavar="CSV")
    p.add_argument("--prompt-col", metavar="C", help="the user message / prompt column")
    p.add_argument("--completion-col", metavar="C", help="the assistant / completion column")
    system = p.add_mutually_exclusive_group()
    system.add_argument("--system-col", metavar="C", help="a column of system messages")
    system.add_argument("--system", metavar="TEXT", help="one system message for every row")
    p.add_argument("--format", choices=["chat", "legacy"], default="chat", dest="fmt")
    p.add_argument("-o", "--output", metavar="OUT", required=True)
    p.add_argument("--delimiter", help="the cell delimiter (default: detected)")
    p.add_argument("--no-header", action="store_true", help="the first row is data")
    p.add_argument("--encoding", default="utf-8-sig", help="default: UTF-8, with or without BOM")
    _force(p)
    p.set_defaults(func=run_import_csv)


def _force(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="overwrite existing output files")


def _fail(command: str, message: str | Exception, code: int = EXIT_USAGE) -> int:
    from tuiftune.dataset.atomic import describe
    from tuiftune.dataset.preview import visible

    if isinstance(message, OSError):
        message = describe(message)
    print(f"tuiftune {command}: {visible(str(message))}", file=sys.stderr)
    return code


def _unescaped(flag: str, value: str | None) -> str | None:
    """A command-line escape such as ``\\n`` decoded; ValueError names the flag."""
    try:
        return unescape(value)
    except ValueError as exc:
        raise ValueError(f"{flag}: {exc}") from None


def _report(what: str, items: Sequence[Skipped], label: str = "line") -> None:
    for item in items:
        print(f"{label} {item.line}: {what}: {item.reason}")


def run_split(args: argparse.Namespace) -> int:
    """Split the file and print what went where."""
    return asyncio.run(_split(args))


async def _split(args: argparse.Namespace) -> int:
    from tuiftune.dataset.io import load_document
    from tuiftune.dataset.split import check_targets, default_outputs, plan_split, write_split
    from tuiftune.dataset.worker import in_lint_thread

    if args.validation is not None and not 0 < args.validation < 1:
        return _fail("split", "--validation must be a fraction between 0 and 1")
    if args.validation_count is not None and args.validation_count < 1:
        return _fail("split", "--validation-count must be at least 1")
    path = Path(args.file)
    train, val = default_outputs(path)
    train = Path(args.output) if args.output else train
    val = Path(args.validation_out) if args.validation_out else val
    try:
        await asyncio.to_thread(check_targets, path, [train, val], args.force)
        doc = await load_document(path)
    except (ValueError, FileExistsError) as exc:
        return _fail("split", exc)
    except OSError as exc:
        exc.filename = exc.filename or str(path)
        return _fail("split", exc)
    try:
        plan = await in_lint_thread(
            plan_split, doc, fraction=args.validation, count=args.validation_count, seed=args.seed
        )
    except ValueError as exc:
        return _fail("split", f"{path}: {exc}; nothing written", EXIT_NOTHING)
    _report("skipped", plan.skipped)
    try:
        await write_split(doc, plan, train, val, overwrite=args.force)
    except (ValueError, OSError) as exc:
        return _fail("split", exc)
    print(f"wrote {len(plan.train)} records to {train}")
    print(f"wrote {len(plan.validation)} records to {val}")
    if plan.stratified:
        print(f"stratified by label ({len(plan.classes)} classes, train / validation):")
        width = max(len(repr(label)) for label in plan.classes)
        for label, (n_train, n_val) in sorted(plan.classes.items()):
            print(f"  {label!r:<{width}}  {n_train:>6}  {n_val:>6}")
    if plan.grouped:
        print(f"{plan.grouped} records share an example or prompt with another: kept on one side")
    if plan.skipped:
        print(f"{len(plan.skipped)} lines skipped")
    return EXIT_OK


def run_convert(args: argparse.Namespace) -> int:
    """Convert the file and print what was written and skipped."""
    return asyncio.run(_convert(args))


async def _convert(args: argparse.Namespace) -> int:
    from tuiftune.dataset.convert import convert_file

    path, out = Path(args.file), Path(args.output)
    try:
        result = await convert_file(
            path,
            out,
            system=args.system,
            keep_raw=args.keep_unconverted,
            overwrite=args.force,
            separator=_unescaped("--separator", args.separator),
            stop=_unescaped("--stop", args.stop),
        )
    except OSError as exc:
        exc.filename = exc.filename or str(path)
        return _fail("convert", exc)
    except ValueError as exc:
        return _fail("convert", str(exc))
    _report("skipped", result.skipped)
    _report("note", result.notes)
    if not result.written:
        return _fail("convert", f"{path}: no record could be converted; nothing written", 1)
    print(f"separator stripped from prompts: {result.separator!r}")
    print(f"stop sequence stripped from completions: {result.stop!r}")
    kept = f" ({result.kept_raw} copied unconverted)" if result.kept_raw else ""
    print(f"wrote {result.written} chat records to {out}{kept}")
    if result.skipped:
        print(f"{len(result.skipped)} lines skipped")
    return EXIT_OK


def run_import_csv(args: argparse.Namespace) -> int:
    """Import the CSV and print what was written and skipped."""
    return asyncio.run(_import_csv(args))


async def _import_csv(args: argparse.Namespace) -> int:
    import csv

    from tuiftune.dataset.convert import CsvOptions, import_csv

    path, out = Path(args.csv), Path(args.output)
    try:
        delimiter = _unescaped("--delimiter", args.delimiter)
    except ValueError as exc:
        return _fail("import-csv", exc)
    opts = CsvOptions(
        prompt_col=args.prompt_col,
        completion_col=args.completion_col,
        system_col=args.system_col,
        system=args.system,
        fmt=args.fmt,
        delimiter=delimiter,
        header=not args.no_header,
        encoding=args.encoding,
        overwrite=args.force,
    )
    try:
        result = await import_csv(path, out, opts)
    except OSError as exc:
        exc.filename = exc.filename or str(path)
        return _fail("import-csv", exc)
    except csv.Error as exc:
        return _fail("import-csv", f"{path}: not readable as CSV: {exc}")
    except (ValueError, LookupError) as exc:  # LookupError: an unknown --encoding
        return _fail("import-csv", str(exc))
    columns = ", ".join(f"{role}={name!r}" for role, name in result.columns.items())
    print(f"columns: {columns}; delimiter: {result.delimiter!r}")
    _report("skipped", result.skipped, "row")
    _report("note", result.notes, "row")
    if not result.written:
        return _fail("import-csv", f"{path}: no row could be converted; nothing written", 1)
    print(f"wrote {result.written} {args.fmt} records to {out}")
    if result.skipped:
        print(f"{len(result.skipped)} rows skipped (rows are counted like a spreadsheet's)")
    return EXIT_OK
