"""``tuiftune jobs list | show | cancel | pause | resume | results``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.text import Text

from tuiftune.commands.jobs_common import (
    EXIT_JOB_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Session,
    checkpoint_to_dict,
    clean,
    console,
    describe_hyperparameters,
    error,
    execute,
    job_error,
    job_to_dict,
    print_json,
    when,
)
from tuiftune.service.errors import ServiceError
from tuiftune.service.jobs import JobsService, failure_message
from tuiftune.service.metrics import decode_result_content, parse_result_csv, points_from_events
from tuiftune.service.services import Services
from tuiftune.service.types import Job
from tuiftune.textfmt import STATUS_STYLE

PAGE = 100


def status_text(status: str) -> Text:
    """A status word, coloured on a terminal."""
    return Text(clean(status), style=STATUS_STYLE.get(status, ""))


async def collect_jobs(
    svc: JobsService,
    *,
    statuses: set[str] | None,
    limit: int | None,
    metadata: dict[str, str] | None,
) -> tuple[list[Job], bool]:
    """Jobs newest first, filtered by status, at most ``limit``; and whether more exist."""
    # The API has no status filter: read whole pages and filter here.
    size = PAGE if statuses or limit is None else min(limit, PAGE)
    found: list[Job] = []
    after: str | None = None
    while True:
        page = await svc.list_page(after=after, limit=size, metadata=metadata)
        for index, job in enumerate(page.data):
            if statuses and str(job.status) not in statuses:
                continue
            found.append(job)
            if limit is not None and len(found) >= limit:
                rest = page.data[index + 1 :]
                more = any(not statuses or str(j.status) in statuses for j in rest)
                return found, more or page.has_more
        after = page.next_after
        if after is None:
            return found, False


def _print_table(
    jobs: list[Job], has_more: bool, badges: dict[str, tuple[int | None, str]] | None = None
) -> None:
    out = console()
    if not jobs:
        out.print("no jobs")
        return
    rows = [
        (
            clean(j.id),
            str(j.status),
            clean(j.model),
            when(j.created_at),
            clean(j.fine_tuned_model or (job_error(j) or {}).get("message") or "-")
            + (f"  [{b}]" if (b := (badges or {}).get(j.id, (None, ""))[1]) else ""),
        )
        for j in jobs
    ]
    heads = ("ID", "STATUS", "MODEL", "CREATED", "FINE-TUNED MODEL / ERROR")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads[:-1])]
    head = Text("  ".join(h.ljust(w) for h, w in zip(heads, [*widths, 0], strict=True)))
    head.stylize("bold")
    out.print(head)
    for row in rows:
        line = Text(row[0].ljust(widths[0]) + "  ")
        line.append_text(status_text(row[1]))
        line.append(" " * (widths[1] - len(row[1])) + "  ")
        line.append(f"{row[2].ljust(widths[2])}  {row[3].ljust(widths[3])}  {row[4]}")
        out.print(line)
    if has_more:
        out.print(Text("(more jobs: --limit N or --all)", style="dim"))


async def _list(session: Session) -> int:
    args = session.args
    statuses = {s.strip() for raw in args.status or [] for s in raw.split(",") if s.strip()}
    metadata = dict(args.metadata) if args.metadata else None
    async with session.jobs() as (provider, svc):
        jobs, more = await collect_jobs(
            svc,
            statuses=statuses or None,
            limit=None if args.all else args.limit,
            metadata=metadata,
        )
        from tuiftune.commands.jobs_retirement import job_retirements

        badges = await job_retirements(session, provider, jobs)
    if session.json:
        rows = [
            {**job_to_dict(j), "retires_at": badges[j.id][0]} if j.id in badges else job_to_dict(j)
            for j in jobs
        ]
        print_json({"jobs": rows, "has_more": more})
    else:
        _print_table(jobs, more, badges)
    return EXIT_OK


async def _progress(svc: JobsService, job_id: str) -> dict[str, Any] | None:
    """The newest metrics event's step, total and values (None when there is none)."""
    page = await svc.events_page(job_id, limit=50)
    points = points_from_events(page.data)  # newest first: the first point is the latest
    if not points:
        return None
    point = points[0]
    return {"step": point.step, "total_steps": point.total_steps, "values": dict(point.values)}


def _print_job(
    job: Job, progress: dict[str, Any] | None, ckpts: list[Any], retires: str = ""
) -> None:
    data = job_to_dict(job)
    status = Text()
    status.append_text(status_text(data["status"]))
    if progress is not None and data["status"] not in ("succeeded",):
        total = progress["total_steps"]
        status.append(f"  step {progress['step']}" + (f"/{total}" if total else ""))
    rows: list[tuple[str, Text | str]] = [
        ("id", data["id"]),
        ("status", status),
        ("model", data["model"] or "-"),
        ("fine-tuned model", data["fine_tuned_model"] or "-"),
        ("method", describe_hyperparameters(job)),
        ("training file", data["training_file"] or "-"),
        ("validation file", data["validation_file"] or "-"),
        ("suffix", data["suffix"] or "-"),
        ("seed", "-" if data["seed"] is None else str(data["seed"])),
        ("created", when(data["created_at"])),
        ("finished", when(data["finished_at"])),
    ]
    if data["estimated_finish"]:
        rows.append(("estimated finish", when(data["estimated_finish"])))
    if data["trained_tokens"] is not None:
        rows.append(("trained tokens", f"{data['trained_tokens']:,}"))
    if data["result_files"]:
        rows.append(("result files", ", ".join(data["result_files"])))
    if data["metadata"]:
        rows.append(("metadata", ", ".join(f"{k}={v}" for k, v in data["metadata"].items())))
    rows += [("provider", extra.describe()) for extra in job.extras if extra.describe()]
    if retires:
        rows.append(("retires", retires))
    reason = failure_message(job)
    if reason:
        rows.append(("error", Text(clean(reason), style="red")))
    step_width = max((len(str(c["step"])) for c in ckpts), default=0)
    for ckpt in ckpts:
        loss = ckpt["metrics"].get("train_loss")
        extra = f"  train loss {loss:.4f}" if isinstance(loss, int | float) else ""
        # Steps right-aligned: the checkpoints' names line up (step 80 and step 240).
        step = f"step {ckpt['step']:>{step_width}}"
        rows.append(("checkpoint", f"{step}  {ckpt['fine_tuned_model_checkpoint']}" + extra))
    out = console()
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        line = Text(f"{key:<{width}}  ", style="bold")
        line.append_text(value if isinstance(value, Text) else Text(clean(value)))
        out.print(line)


async def _show(session: Session) -> int:
    from tuiftune.commands.jobs_retirement import job_retirements, retirement_line

    async with session.jobs() as (provider, svc):
        job = await svc.retrieve(session.args.job_id)
        retires = (await job_retirements(session, provider, [job])).get(job.id, (None, ""))[0]
        # Progress and checkpoints are extras: a backend without them must not fail `show`.
        progress: dict[str, Any] | None = None
        ckpts: list[dict[str, Any]] | None = None
        try:
            progress = await _progress(svc, job.id)
            ckpts = [checkpoint_to_dict(c) for c in await svc.checkpoints(job.id)]
        except ServiceError:
            pass
    if session.json:
        extra = {"retires_at": retires} if retires is not None else {}
        print_json({**job_to_dict(job), "progress": progress, "checkpoints": ckpts, **extra})
    else:
        _print_job(job, progress, ckpts or [], retirement_line(session, retires))
    return EXIT_OK


async def _action(session: Session) -> int:
    action = session.args.jobs_command
    async with session.jobs() as (_, svc):
        job = await {"cancel": svc.cancel, "pause": svc.pause, "resume": svc.resume}[action](
            session.args.job_id
        )
    if session.json:
        print_json(job_to_dict(job))
    else:
        line = Text(f"{action}: {clean(job.id)} is now ")
        line.append_text(status_text(str(job.status)))
        console().print(line)
    return EXIT_OK


async def _results(session: Session) -> int:
    args = session.args
    async with session.jobs() as (_, svc):
        job = await svc.retrieve(args.job_id)
        if not job.result_files:
            error(f"job {job.id} has no result file yet (status {job.status})")
            return EXIT_JOB_FAILED
        file_id = job.result_files[0]
        content = await svc.file_content(file_id)
    text = decode_result_content(content)
    if args.output is not None:
        try:
            _write(args.output, text)
        except OSError as exc:
            error(f"cannot write {args.output}: {exc.strerror or exc}")
            return EXIT_USAGE
    rows = parse_result_csv(text)
    if session.json:
        print_json(
            {
                "job_id": job.id,
                "result_file": file_id,
                "output": str(args.output) if args.output is not None else None,
                "rows": [{"step": p.step, **p.values, **p.extra} for p in rows],
            }
        )
    elif args.output is not None:
        print(f"wrote {len(rows):,} metric rows of {clean(job.id)} to {clean(args.output)}")
    else:
        tty = sys.stdout.isatty()
        # A terminal gets the CSV with control characters escaped; a pipe gets it verbatim.
        sys.stdout.write("".join(clean(ln) + "\n" for ln in text.splitlines()) if tty else text)
        sys.stdout.flush()
    return EXIT_OK


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)


def run_manage(args: argparse.Namespace, services: Services) -> int:
    """Run list, show, cancel, pause, resume or results."""
    session = Session(args, services)
    handler = {
        "list": _list,
        "show": _show,
        "cancel": _action,
        "pause": _action,
        "resume": _action,
        "results": _results,
    }[args.jobs_command]
    return execute(session, handler(session))
