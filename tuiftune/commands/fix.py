"""``tuiftune fix``: apply the safe fixes to a JSONL file, keeping every other byte."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tuiftune.commands.common import add_lint_options, tty_progress, unescape

EXIT_OK, EXIT_USAGE = 0, 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``tuiftune fix``."""
    p = subparsers.add_parser(
        "fix",
        help="apply safe fixes (stop sequences, separators, leading spaces, BOM, ...)",
        description="Apply the linter's safe fixes. By default: append the consensus separator "
        "or stop sequence, add or strip a leading space, strip a BOM, delete blank lines, "
        "encode tool arguments, decode a string 'tools', move a top-level 'system' key into the "
        "messages. Opt-in with --rule: delete_duplicate (dataset.duplicate) and "
        "convert_sharegpt. Lines that cannot be fixed are written back byte-for-byte. Without "
        "-o the file is rewritten in place and the original kept as FILE.bak (written "
        "atomically, like the file); an existing -o file is kept unless --force. Exit 0 when "
        "written or nothing to fix, 2 for an unreadable input, a bad option or an output that "
        "exists or cannot be written (nothing changes).",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of in place")
    p.add_argument("-f", "--force", action="store_true", help="overwrite an existing OUT")
    p.add_argument(
        "--rule",
        action="append",
        metavar="ID",
        help="only fix findings of this rule id, rule prefix or fix name (repeatable)",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    add_lint_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Fix the file and print what changed."""
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from tuiftune.dataset import Linter, LintOptions, load_document, save_document
    from tuiftune.dataset.atomic import atomic_copy, clean_stale, describe
    from tuiftune.dataset.fixes import apply_fixes, fixable
    from tuiftune.dataset.preview import visible
    from tuiftune.dataset.worker import in_lint_thread

    path = Path(args.file)
    if (
        args.output
        and not (args.force or args.dry_run)
        and await asyncio.to_thread(Path(args.output).is_file)
    ):
        return _fail(
            f"{visible(args.output)} already exists (--force overwrites it); nothing changed"
        )
    try:
        options = LintOptions(args.model, unescape(args.separator), unescape(args.stop))
    except ValueError as exc:  # a bad escape such as '\x'
        return _fail(f"--separator/--stop: {exc}")
    try:
        doc = await load_document(path)
        await asyncio.to_thread(clean_stale, path)  # what a killed fix left beside the file
    except OSError as exc:
        exc.filename = exc.filename or str(path)
        return _fail(f"cannot read {visible(describe(exc))}")
    linter = Linter(doc, options)
    await in_lint_thread(linter.run, tty_progress(f"linting {path}"))
    chosen = fixable(linter, set(args.rule) if args.rule else None)
    applied = apply_fixes(linter, chosen)
    for change in applied:
        print(f"line {change.line}: {change.rule}: {visible(change.description)}")
    if not applied:
        print(f"{visible(str(path))}: nothing to fix")
        return EXIT_OK
    if args.dry_run:
        print(f"{len(applied)} fixes (dry run, nothing written)")
        return EXIT_OK
    try:
        if args.output:
            target = await save_document(doc, args.output, adopt=False)
        else:
            # The backup is written atomically too: a kill mid-copy leaves no torn .bak.
            backup = path.with_name(path.name + ".bak")
            await asyncio.to_thread(atomic_copy, path, backup)
            target = await save_document(doc)
            print(f"original kept as {visible(str(backup))}")
    except OSError as exc:
        exc.filename = exc.filename or str(args.output or path)
        return _fail(f"cannot write {visible(describe(exc))}; nothing changed")
    remaining = sum(1 for pos in range(len(doc)) for _ in linter.findings_at(pos))
    shown = visible(str(target))
    print(
        f"{len(applied)} fixes written to {shown}; {remaining} findings remain "
        f"(run tuiftune lint {shown})"
    )
    return EXIT_OK


def _fail(message: str) -> int:
    print(f"tuiftune fix: {message}", file=sys.stderr)
    return EXIT_USAGE
