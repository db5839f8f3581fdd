"""The ``tuiftune`` command line: the TUI by default, plus headless subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="tuiftune",
        description="Curate fine-tuning datasets, launch and watch jobs, and evaluate models.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Command modules keep their heavy imports inside their run functions so that
    # building the parser stays cheap.
    from tuiftune.commands import config as config_cmd
    from tuiftune.commands import fix as fix_cmd
    from tuiftune.commands import lint as lint_cmd
    from tuiftune.server import command as serve_cmd

    lint_cmd.add_parser(sub)
    fix_cmd.add_parser(sub)
    serve_cmd.add_parser(sub)
    config_cmd.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        code: int = func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code
