"""``tuiftune jobs create``: check the request, lint the files (refusing errors unless
``--force``), upload them with a progress bar on a terminal, create the job, and with
``--wait`` watch it to the end."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from rich.text import Text

from tuiftune.commands import overlap
from tuiftune.commands.jobs_common import (
    EXIT_JOB_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Session,
    backend_flags,
    clean,
    console,
    error,
    execute,
    job_to_dict,
    print_json,
)
from tuiftune.commands.jobs_create_flags import lora_options
from tuiftune.commands.jobs_watch import follow, interrupt_note
from tuiftune.dataset import ReportedFinding
from tuiftune.service.files import UploadResult
from tuiftune.service.held_out import with_test_file
from tuiftune.service.jobs import Hyperparameters, JobRequest
from tuiftune.service.launch import PENDING_FILE, check_before_upload, launch
from tuiftune.service.providers.base import ProgressCallback
from tuiftune.service.services import Services


def job_request(args: argparse.Namespace, training: str, validation: str | None) -> JobRequest:
    """The request the command line describes, for the given uploaded file ids; raises
    ValueError for a test file that cannot be recorded."""
    metadata = dict(args.metadata) if args.metadata else None
    if getattr(args, "test_file", None) is not None:
        metadata = with_test_file(metadata, args.test_file)
    lora = lora_options(args)
    return JobRequest(
        model=args.model,
        training_file=training,
        method=args.method,
        hyperparameters=Hyperparameters(
            n_epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate_multiplier=args.lr_multiplier,
            beta=args.beta,
        ),
        validation_file=validation,
        suffix=args.suffix,
        seed=args.seed,
        metadata=metadata,
        extras=(lora,) if lora is not None else (),
    )


@contextmanager
def progress_bar(path: Path) -> Iterator[ProgressCallback | None]:
    """An upload bar with bytes and rate on a terminal's stderr; None elsewhere."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("uploading {task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        # markup=False above: a file name is data, never markup.
        task = bar.add_task(path.name, total=None)

        def report(sent: int, total: int) -> None:
            bar.update(task, completed=sent, total=total)

        yield report


def _lint_line(path: Path, findings: list[Any], forced: bool) -> Text:
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    line = Text(f"lint {clean(path)}: ")
    line.append(f"{errors} errors", style="bold red" if errors else "green")
    line.append(", ")
    line.append(f"{warnings} warnings", style="yellow" if warnings else "green")
    if errors and forced:
        line.append("  (uploading anyway: --force)", style="bold red")
    return line


class _Printer:
    """Shows a launch: each file's lint line, its upload bar on a terminal, what was sent."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.out = console()

    def uploading(
        self, path: Path, findings: list[ReportedFinding]
    ) -> AbstractContextManager[ProgressCallback | None]:
        """The lint line, then the progress bar."""
        if not self.session.json:
            self.out.print(_lint_line(path, findings, self.session.args.force))
        return progress_bar(path)

    def uploaded(self, path: Path, result: UploadResult) -> None:
        """``uploaded F as file-... (N bytes)`` or that an identical upload was reused."""
        if not self.session.json:
            how = "reused identical upload" if result.reused else "uploaded"
            size = f"{result.file.bytes:,} bytes"
            self.out.print(Text(f"{how} {clean(path)} as {clean(result.file.id)} ({size})"))


async def _create(session: Session) -> int:
    args = session.args
    try:
        spec = job_request(args, PENDING_FILE, None)
    except ValueError as exc:
        error(str(exc))
        return EXIT_USAGE
    # Check the request's ranges before spending time on lint and upload.
    check_before_upload(spec, validation=args.validation is not None)
    paths = [p for p in (args.file, args.validation) if p is not None]
    from tuiftune.dataset.atomic import check_regular

    for path in paths:
        try:
            check_regular(path)
        except OSError as exc:  # a folder or a FIFO exists: say so, not "no such file"
            error(f"cannot read {path}: {exc.strerror or exc}")
            return EXIT_USAGE
    session.on_interrupt = "interrupted: no job was created"
    async with session.provider() as provider:
        from tuiftune.commands.jobs_retirement import warn_before_create

        await warn_before_create(session, provider)
        from tuiftune.commands.jobs_provider_lint import provider_rules_pass

        if not await provider_rules_pass(session, provider):
            return EXIT_JOB_FAILED
        try:
            launched = await launch(
                provider,
                spec,
                args.file,
                args.validation,
                force=args.force,
                observer=_Printer(session),
            )
        except OSError as exc:
            error(f"cannot read {exc.filename or args.file}: {exc.strerror or exc}")
            return EXIT_USAGE
        job = launched.job
        session.on_interrupt = interrupt_note(job.id, args)
        if launched.overlap is not None:
            for warning in overlap.warn_lines([launched.overlap]):
                print(clean(warning), file=sys.stderr)
        if session.json:
            print_json(
                {"type": "created", "job": job_to_dict(job)} if args.wait else job_to_dict(job),
                indent=None if args.wait else 2,
            )
        else:
            line = Text(f"created {clean(job.id)} ", style="bold")
            line.append(f"({clean(job.status)})", style="")
            console().print(line)
            if not args.wait:
                hint = f"watch it: tuiftune jobs watch {clean(job.id)}{backend_flags(args)}"
                console().print(Text(hint, style="dim"))
        if not args.wait:
            return EXIT_OK
        return await follow(
            provider.jobs,
            job.id,
            as_json=session.json,
            interval=args.interval,
            sleep=session.services.sleep,
        )


def run_create(args: argparse.Namespace, services: Services) -> int:
    """Run ``tuiftune jobs create``."""
    session = Session(args, services)
    return execute(session, _create(session))
