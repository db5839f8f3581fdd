"""``tuiftune jobs create``: check the request, lint the files (refusing errors unless
``--force``), upload them with a progress bar on a terminal, create the job, and with
``--wait`` watch it to the end."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openai
from rich.text import Text

from tuiftune.commands.jobs_common import (
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
from tuiftune.commands.jobs_watch import follow, interrupt_note
from tuiftune.service.backends import OpenAIJobsBackend
from tuiftune.service.files import ProgressCallback, lint_before_upload, upload_file
from tuiftune.service.jobs import (
    Hyperparameters,
    InvalidJobRequestError,
    JobRequest,
    JobsService,
    check_job_request,
)

PENDING_FILE = "file-pending-upload"


def job_request(args: argparse.Namespace, training: str, validation: str | None) -> JobRequest:
    """The request the command line describes, for the given uploaded file ids."""
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
        metadata=dict(args.metadata) if args.metadata else None,
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


async def _upload(
    session: Session, client: openai.AsyncOpenAI, path: Path, findings: list[Any]
) -> str:
    args = session.args
    out = console()
    if not session.json:
        out.print(_lint_line(path, findings, args.force))
    with progress_bar(path) as report:
        result = await upload_file(client, path, validate=False, on_progress=report)
    if not session.json:
        how = "reused identical upload" if result.reused else "uploaded"
        size = f"{result.file.bytes:,} bytes"
        out.print(Text(f"{how} {clean(path)} as {clean(result.file.id)} ({size})"))
    return result.file.id


async def _create(session: Session) -> int:
    args = session.args
    # Check the request's ranges before spending time on lint and upload.
    problems = check_job_request(
        job_request(args, PENDING_FILE, PENDING_FILE if args.validation else None)
    )
    if problems:
        raise InvalidJobRequestError(problems)
    paths = [p for p in (args.file, args.validation) if p is not None]
    for path in paths:
        if not path.is_file():
            error(f"cannot read {path}: no such file")
            return EXIT_USAGE
    session.on_interrupt = "interrupted: no job was created"
    async with session.client() as client:
        # Lint every file before uploading any: a bad validation file must not waste an upload.
        findings = []
        for path in paths:
            try:
                findings.append(await lint_before_upload(path, args.model, args.force))
            except OSError as exc:
                error(f"cannot read {path}: {exc.strerror or exc}")
                return EXIT_USAGE
        ids = [await _upload(session, client, p, f) for p, f in zip(paths, findings, strict=True)]
        svc = JobsService(OpenAIJobsBackend(client))
        job = await svc.create(job_request(args, ids[0], ids[1] if len(ids) > 1 else None))
        session.on_interrupt = interrupt_note(job.id, args)
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
        return await follow(client, job.id, as_json=session.json, interval=args.interval)


def run_create(args: argparse.Namespace) -> int:
    """Run ``tuiftune jobs create``."""
    session = Session(args)
    return execute(session, _create(session))
