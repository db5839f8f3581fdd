"""The ``tuiftune`` command line: the TUI by default, plus headless subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tuiftune.service.providers.registry import ProviderRegistry


def _lint(sub: Any) -> None:
    from tuiftune.commands import lint

    lint.add_parser(sub)


def _fix(sub: Any) -> None:
    from tuiftune.commands import fix

    fix.add_parser(sub)


def _dataset_tools(sub: Any) -> None:
    from tuiftune.commands import dataset_tools

    dataset_tools.add_parser(sub)


def _jobs(sub: Any) -> None:
    from tuiftune.commands import jobs

    jobs.add_parser(sub)


def _eval(sub: Any) -> None:
    from tuiftune.commands import eval as eval_cmd

    eval_cmd.add_parser(sub)


def _serve(sub: Any) -> None:
    from tuiftune.wiring import add_serve_parser

    add_serve_parser(sub)


def _config(sub: Any) -> None:
    from tuiftune.commands import config

    config.add_parser(sub)


# Each command's parser, in the order --help lists them. Command modules keep their heavy
# imports inside their run functions so that building a parser stays cheap; a command builds
# only its own (the others' modules cost `tuiftune lint` some 15 ms of imports).
PARSERS: tuple[tuple[tuple[str, ...], Callable[[Any], None]], ...] = (
    (("lint",), _lint),
    (("fix",), _fix),
    (("split", "convert", "import-csv"), _dataset_tools),
    (("jobs",), _jobs),
    (("eval",), _eval),
    (("serve",), _serve),
    (("config",), _config),
)
COMMANDS = tuple(name for names, _ in PARSERS for name in names)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered (only ``command``'s, when
    given: what running that command needs)."""
    parser = argparse.ArgumentParser(
        prog="tuiftune",
        description="Curate fine-tuning datasets, launch and watch jobs, and evaluate models.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for names, add in PARSERS:
        if command is None or command in names:
            add(sub)
    return parser


def build_app_parser() -> argparse.ArgumentParser:
    """The parser of ``tuiftune [FILE]``: the TUI."""
    parser = argparse.ArgumentParser(
        prog="tuiftune",
        description="Open the TUI (with FILE: in the dataset editor). Commands: "
        + ", ".join(COMMANDS)
        + " (tuiftune COMMAND --help).",
    )
    parser.add_argument("file", nargs="?", type=Path, help="a JSONL dataset to open")
    parser.add_argument("--sandbox", action="store_true", help="use the in-process sandbox")
    parser.add_argument("--profile", help="backend profile from the config file")
    parser.add_argument(
        "--model",
        help="the editor's target model (token limit, cost): an OpenAI model, or an open "
        "model's folder or Hugging Face id (its own tokenizer and context length)",
    )
    return parser


def run_app(args: argparse.Namespace) -> int:
    """Start the TUI (the backend profile is resolved after the first paint)."""
    worker = None
    if args.file is not None:
        from tuiftune.dataset.atomic import check_regular

        try:
            check_regular(args.file)
        except OSError as exc:  # a folder or a FIFO is there: "no such file" would mislead
            from tuiftune.dataset.preview import visible

            print(f"tuiftune: {visible(str(args.file))}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        from tuiftune.dataset.lint_worker import LintWorker
        from tuiftune.dataset.options import editor_options

        # Before the TUI's imports: the file lints on the second core while they run here.
        worker = LintWorker.start(args.file, editor_options(args.model))
    from tuiftune.ui.app import TuiftuneApp
    from tuiftune.wiring import services_for

    app = TuiftuneApp(services_for(args), args.file, args.model, worker)
    try:
        app.run()
    finally:
        if worker is not None:  # done with by then, unless the editor never took it or quit
            worker.stop()  # mid-lint (the lint thread may still read the pipe: not closed)
    return app.return_code or 0


def dispatch(args: argparse.Namespace, registry: ProviderRegistry | None = None) -> int:
    """Run the parsed command; commands that talk to a provider get the wiring's ``Services``
    (``needs_services`` in their parser defaults)."""
    func = args.func
    if getattr(args, "needs_services", False):
        from tuiftune.wiring import services_for

        code: int = func(args, services_for(args, registry))
    else:
        code = func(args)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        return run_app(build_app_parser().parse_args(argv))
    parser = build_parser(argv[0] if argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        code = dispatch(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code
