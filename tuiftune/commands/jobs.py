"""``tuiftune jobs``: create, list, show, watch, cancel, pause and resume fine-tuning jobs, and
download their results, without the TUI.

Exit status: 0 ok; 1 the job failed or was cancelled (watch, create --wait), the file was
refused (create) or the job has no results yet; 2 usage or configuration errors; 3 the API
could not be reached or refused the request; 130 interrupted (a watched job keeps running).
The subcommands live in ``jobs_create``, ``jobs_watch`` and ``jobs_manage``, imported only
when run so that building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuiftune.commands.arg_types import positive_float, positive_int
from tuiftune.commands.jobs_common import EXIT_USAGE

if TYPE_CHECKING:
    from tuiftune.service.services import Services

_EPILOG = (
    "exit status: 0 ok; 1 job failed or cancelled, file refused or no results; 2 usage or "
    "config error; 3 API error; 130 interrupted"
)


def _auto_int(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or an integer, got {text!r}") from None


def _auto_float(text: str) -> float | str:
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a number, got {text!r}") from None


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _add_backend_options(parser: argparse.ArgumentParser, *, here: bool) -> None:
    # On the subcommands the default is SUPPRESS, so that a value given before the
    # subcommand (``jobs --sandbox list``) is not reset by the subparser's default.
    default: Any = None if here else argparse.SUPPRESS
    parser.add_argument(
        "--profile", metavar="P", default=default, help="backend profile from the config file"
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        default=False if here else argparse.SUPPRESS,
        help="use the local sandbox (simulated training; state kept between runs)",
    )


def _add_json(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON")


def _add_watch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--interval",
        type=positive_float,
        metavar="S",
        default=None,
        help="poll every S seconds (default: 2 s running, 5 s starting, 10 s paused)",
    )


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``tuiftune jobs`` and its subcommands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "jobs",
        help="create, list, watch and control fine-tuning jobs",
        description="Fine-tuning jobs without the TUI, for scripts and CI.",
        epilog=_EPILOG,
    )
    _add_backend_options(parser, here=True)
    parser.set_defaults(func=run, jobs_command=None, needs_services=True)
    sub = parser.add_subparsers(dest="jobs_command", metavar="ACTION")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=_EPILOG,
        )
        _add_backend_options(p, here=False)
        return p

    ls = add("list", "list jobs, newest first")
    ls.add_argument(
        "--status",
        action="append",
        metavar="S",
        help="only jobs with this status (repeat or comma-separate: running,queued)",
    )
    ls.add_argument("--metadata", action="append", type=_pair, metavar="K=V", help="filter")
    ls.add_argument("--limit", type=positive_int, default=20, metavar="N", help="at most N (20)")
    ls.add_argument("--all", action="store_true", help="every job (no limit)")
    _add_json(ls, "the jobs")

    show = add("show", "show one job, its progress and checkpoints")
    show.add_argument("job_id", metavar="ID")
    _add_json(show, "the job")

    create = add("create", "lint and upload a training file, then create a job")
    create.add_argument("file", type=Path, metavar="FILE", help="training file (JSONL)")
    create.add_argument("--model", required=True, metavar="M", help="base model to fine-tune")
    create.add_argument("--validation", type=Path, metavar="F", help="validation file (JSONL)")
    create.add_argument("--method", choices=("supervised", "dpo"), default="supervised")
    create.add_argument("--epochs", type=_auto_int, metavar="N", help="n_epochs (1-50, auto)")
    create.add_argument("--batch-size", type=_auto_int, metavar="N", help="1-256 or auto")
    create.add_argument(
        "--lr-multiplier", type=_auto_float, metavar="X", help="learning rate multiplier (> 0)"
    )
    create.add_argument("--beta", type=_auto_float, metavar="X", help="DPO beta (0-2, auto)")
    create.add_argument("--suffix", metavar="S", help="up to 64 characters in the model name")
    create.add_argument("--seed", type=int, metavar="N", help="0-2147483647")
    create.add_argument(
        "--metadata", action="append", type=_pair, metavar="K=V", help="repeatable, 16 at most"
    )
    from tuiftune.commands.jobs_create_flags import add_lora_flags

    add_lora_flags(create)
    create.add_argument("--force", action="store_true", help="upload despite lint errors")
    create.add_argument("--wait", action="store_true", help="then watch the job until it ends")
    _add_watch_options(create)
    create.add_argument(
        "--json", action="store_true", help="print the job as JSON (with --wait: ndjson lines)"
    )

    watch = add("watch", "print a job's events and metrics until it ends")
    watch.add_argument("job_id", metavar="ID")
    watch.add_argument(
        "--follow",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep watching until the job ends (--no-follow: print what is there and exit)",
    )
    _add_watch_options(watch)
    watch.add_argument("--json", action="store_true", help="print ndjson: one object per line")

    actions = {
        "cancel": "cancel a job that has not ended",
        "pause": "pause a running job",
        "resume": "resume a paused job",
    }
    for action, what in actions.items():
        p = add(action, what)
        p.add_argument("job_id", metavar="ID")
        _add_json(p, "the job")

    results = add("results", "download a finished job's metrics CSV (decoded)")
    results.add_argument("job_id", metavar="ID")
    results.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the CSV here")
    _add_json(results, "the metric rows")

    from tuiftune.commands.jobs_deployments import add_deployments_parser

    add_deployments_parser(add("deployments", "list, create, stop and delete deployments"))

    parser.set_defaults(_jobs_parser=parser)
    return parser


def run(args: argparse.Namespace, services: Services) -> int:
    """Run ``tuiftune jobs ACTION`` over ``services`` and return the exit code."""
    command = args.jobs_command
    if command is None:
        args._jobs_parser.print_help(sys.stderr)
        return EXIT_USAGE
    if command == "create":
        from tuiftune.commands.jobs_create import run_create

        return run_create(args, services)
    if command == "deployments":
        from tuiftune.commands.jobs_deployments import run_deployments

        return run_deployments(args, services)
    if command == "watch":
        from tuiftune.commands.jobs_watch import run_watch

        return run_watch(args, services)
    from tuiftune.commands.jobs_manage import run_manage

    return run_manage(args, services)
