"""``tuiftune jobs watch``: print a job's events, metrics, status and connection changes as
they arrive, through network faults, until the job ends.

Text output is one line per event (time, level, message) or metric point (step/total, losses,
accuracies); ``--json`` prints one JSON object per line (ndjson). Exit 0 when the job
succeeded, 1 when it failed or was cancelled; Ctrl-C stops watching (130), not the job.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any, Protocol

from rich.console import Console
from rich.text import Text

from tuiftune.commands.jobs_common import (
    EXIT_JOB_FAILED,
    EXIT_OK,
    Session,
    backend_flags,
    clean,
    console,
    describe_hyperparameters,
    event_to_dict,
    execute,
    job_to_dict,
    metric_to_dict,
    print_json,
    when,
)
from tuiftune.service.jobs import failure_message, is_terminal
from tuiftune.service.metrics import point_from_event_data
from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.services import Services
from tuiftune.service.types import Job, JobEvent, MetricPoint
from tuiftune.service.watch import ConnectionState, LinkStatus, PollPolicy, Sleep, watch

METRIC_LABELS = {
    "train_loss": "train loss",
    "train_mean_token_accuracy": "train acc",
    "valid_loss": "valid loss",
    "valid_mean_token_accuracy": "valid acc",
    "full_valid_loss": "full valid loss",
    "full_valid_mean_token_accuracy": "full valid acc",
}
LEVEL_STYLE = {"warn": "yellow", "warning": "yellow", "error": "bold red"}
END_STYLE = {"succeeded": "bold green", "failed": "bold red", "cancelled": "bold yellow"}


def poll_policy(interval: float | None) -> PollPolicy:
    """The watcher's policy: adaptive by default, or one fixed ``--interval`` for every status."""
    if interval is None:
        return PollPolicy()
    return PollPolicy(running=interval, starting=interval, idle=interval, settle=min(1.0, interval))


def exit_code(job: Job | None) -> int:
    """0 unless the job ended failed or cancelled."""
    if job is not None and str(job.status) in ("failed", "cancelled"):
        return EXIT_JOB_FAILED
    return EXIT_OK


def metric_summary(point: MetricPoint) -> str:
    """``step 3/10  train loss 1.2345  valid loss ...`` (absent metrics left out)."""
    parts = [f"step {point.step}" + (f"/{point.total_steps}" if point.total_steps else "")]
    for key, value in point.values.items():
        if value is not None:
            parts.append(f"{METRIC_LABELS.get(key, clean(key))} {value:.4f}")
    parts += [f"{clean(k)} {clean(v)}" for k, v in point.extra.items()]
    return "  ".join(parts)


def link_summary(state: ConnectionState) -> str:
    """``reconnecting in 8 s (attempt 2): why`` or ``offline since 12:00:01, retrying ...``."""
    retry = state.retry_in or 0.0
    delay = f"{retry:.0f} s" if retry >= 0.95 else f"{retry:.1f} s"
    why = f": {state.reason}" if state.reason else ""
    if state.status is LinkStatus.OFFLINE:
        since = when(state.since, date=False)
        return f"offline since {since}, retrying in {delay} (attempt {state.attempt}){why}"
    return f"reconnecting in {delay} (attempt {state.attempt}){why}"


class Printer(Protocol):
    """Where a watch's findings go: text lines or ndjson."""

    def start(self, job: Job) -> None: ...
    def status(self, job: Job, before: str) -> None: ...
    def event(self, event: JobEvent) -> None: ...
    def metric(self, point: MetricPoint, event: JobEvent) -> None: ...
    def link(self, state: ConnectionState) -> None: ...
    def end(self, job: Job, code: int, last: MetricPoint | None) -> None: ...


class TextPrinter:
    """Lines for a person; everything from the server goes through ``clean`` and ``Text``."""

    def __init__(self, out: Console | None = None) -> None:
        self.out = out or console()

    def _line(self, at: float | None, tag: str, message: str, style: str = "") -> None:
        line = Text(f"{when(at, date=False)}  ", style="dim")
        line.append(f"{tag:<7}  ", style=style or "dim")
        line.append(clean(message))
        self.out.print(line)
        self.out.file.flush()

    def start(self, job: Job) -> None:
        """The watched job and its status when the watch began."""
        head = Text(f"watching {clean(job.id)}", style="bold")
        head.append(f"  {clean(job.model)}  {clean(describe_hyperparameters(job))}  status ")
        head.append(clean(job.status), style=END_STYLE.get(str(job.status), "bold"))
        self.out.print(head)

    def status(self, job: Job, before: str) -> None:
        """A status change, at the time it was seen."""
        self._line(time.time(), "status", f"{before} -> {job.status}")

    def event(self, event: JobEvent) -> None:
        """A message event with its level."""
        level = str(event.level)
        self._line(event.created_at, level, event.message, LEVEL_STYLE.get(level, ""))

    def metric(self, point: MetricPoint, event: JobEvent) -> None:
        """One metric point."""
        self._line(event.created_at, "metrics", metric_summary(point), "cyan")

    def link(self, state: ConnectionState) -> None:
        """A connection problem or its end."""
        if state.status is LinkStatus.LIVE:
            self._line(time.time(), "link", "connection restored", "green")
        else:
            self._line(time.time(), "link", link_summary(state), "yellow")

    def end(self, job: Job, code: int, last: MetricPoint | None) -> None:
        """The summary line."""
        status = str(job.status)
        line = Text(status, style=END_STYLE.get(status, "bold"))
        if status == "succeeded":
            details = []
            if last is not None:
                details.append(f"{last.step} steps")
                if last.train_loss is not None:
                    details.append(f"final train loss {last.train_loss:.4f}")
            if job.trained_tokens is not None:
                details.append(f"{job.trained_tokens:,} trained tokens")
            line.append(f": {clean(job.fine_tuned_model or '(no model name)')}")
            if details:
                line.append(f" ({', '.join(details)})")
        elif status == "failed":
            line.append(f": {clean(failure_message(job) or 'no reason given')}")
        elif not is_terminal(status):
            line.append(f" (still going: tuiftune jobs watch {clean(job.id)})")
        self.out.print(line)
        self.out.file.flush()


class JsonPrinter:
    """One JSON object per line (ndjson); the shapes are documented in the README."""

    def start(self, job: Job) -> None:
        """The first ``job`` line."""
        print_json({"type": "job", "time": int(time.time()), "job": job_to_dict(job)}, indent=None)

    def status(self, job: Job, before: str) -> None:
        """A ``job`` line at each status change."""
        print_json(
            {
                "type": "job",
                "time": int(time.time()),
                "previous_status": before,
                "job": job_to_dict(job),
            },
            indent=None,
        )

    def event(self, event: JobEvent) -> None:
        """An ``event`` line."""
        print_json(event_to_dict(event), indent=None)

    def metric(self, point: MetricPoint, event: JobEvent) -> None:
        """A ``metrics`` line."""
        print_json(metric_to_dict(point, event), indent=None)

    def link(self, state: ConnectionState) -> None:
        """A ``connection`` line."""
        data: dict[str, Any] = {
            "type": "connection",
            "time": int(time.time()),
            "status": state.status.value,
            "retry_in": state.retry_in,
            "attempt": state.attempt,
            "reason": state.reason,
            "since": state.since,
        }
        print_json(data, indent=None)

    def end(self, job: Job, code: int, last: MetricPoint | None) -> None:
        """The ``end`` line."""
        print_json(
            {"type": "end", "status": str(job.status), "exit_code": code, "job": job_to_dict(job)},
            indent=None,
        )


async def follow(
    jobs: JobsProvider,
    job_id: str,
    *,
    as_json: bool,
    interval: float | None = None,
    keep_following: bool = True,
    sleep: Sleep = asyncio.sleep,
) -> int:
    """Print the job's snapshots until it ends (or once, without ``keep_following``)."""
    printer: Printer = JsonPrinter() if as_json else TextPrinter()
    job: Job | None = None
    last: MetricPoint | None = None
    link_down = False
    snapshots = watch(jobs, job_id, policy=poll_policy(interval), sleep=sleep)
    async for snap in snapshots:
        if snap.connection.status is not LinkStatus.LIVE or snap.job is None:
            printer.link(snap.connection)
            link_down = True
            continue
        if link_down:
            printer.link(snap.connection)
            link_down = False
        before = str(job.status) if job is not None else None
        if job is None:
            printer.start(snap.job)
        for event in snap.events:
            point = point_from_event_data(event.data) if event.type == "metrics" else None
            if point is None:
                printer.event(event)
            else:
                printer.metric(point, event)
                last = point
        job = snap.job
        if before is not None and str(job.status) != before:
            printer.status(job, before)
        if not keep_following:
            break
    if job is None:  # the iterator always yields a job before it ends; be safe anyway
        return EXIT_OK
    code = exit_code(job) if is_terminal(str(job.status)) else EXIT_OK
    printer.end(job, code, last)
    return code


def interrupt_note(job_id: str, args: argparse.Namespace) -> str:
    """What Ctrl-C prints while a job is being watched."""
    again = f"tuiftune jobs watch {clean(job_id)}{backend_flags(args)}"
    return f"stopped watching {clean(job_id)}; the job keeps running ({again} to follow it again)"


async def _watch(session: Session) -> int:
    args = session.args
    session.on_interrupt = interrupt_note(args.job_id, args)
    async with session.provider() as provider:
        return await follow(
            provider.jobs,
            args.job_id,
            as_json=session.json,
            interval=args.interval,
            keep_following=args.follow,
            sleep=session.services.sleep,
        )


def run_watch(args: argparse.Namespace, services: Services) -> int:
    """Run ``tuiftune jobs watch``."""
    session = Session(args, services)
    return execute(session, _watch(session))
