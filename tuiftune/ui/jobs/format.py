"""How the Jobs mode shows jobs: table cells, the detail panel, the error, a rerun request.

Pure functions of neutral job objects and a clock reading, so they are tested without a
screen and the screen only decides *when* to redraw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rich.text import Text

from tuiftune.service.jobs import failure_message
from tuiftune.service.lora import lora_from_hyperparameters
from tuiftune.service.types import (
    Checkpoint,
    Hyperparameters,
    Job,
    JobEvent,
    JobSpec,
    MetricPoint,
)
from tuiftune.textfmt import STATUS_STYLE, clean, describe_hyperparameters, job_error

LEVEL_STYLE = {"error": "bold red", "warn": "yellow", "warning": "yellow", "info": ""}
TIMELINE = ("validating_files", "queued", "running", "succeeded")
_LINE = re.compile(r"\bline (\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Progress:
    """The latest step of a job and an estimate of when it ends."""

    step: int
    total_steps: int | None
    rate: float | None = None
    """Steps per second, from the timestamps of two metric events."""


def status_text(status: str) -> Text:
    """A coloured status word; unknown statuses (``paused``, future ones) show as they are."""
    return Text(clean(status), style=STATUS_STYLE.get(status, "bold"))


def duration(seconds: float | None) -> str:
    """``42s``, ``7m``, ``3h12m``; ``-`` when unknown.

    Whole minutes past the first one: a cell that changes once a minute instead of every
    second repaints far less over SSH.
    """
    if seconds is None or seconds < 0:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def clock_time(epoch: float | None) -> str:
    """Local ``MM-DD HH:MM`` of a Unix time; ``-`` when unknown."""
    if not epoch:
        return "-"
    return datetime.fromtimestamp(epoch).strftime("%m-%d %H:%M")


def progress_from_events(events: list[JobEvent]) -> Progress | None:
    """The newest step among ``events`` (any order) and the step rate between two of them."""
    timed: list[tuple[int, int, int | None]] = []
    for event in events:
        data = event.data
        if event.type != "metrics" or not data or not isinstance(data.get("step"), int):
            continue
        total = data.get("total_steps")
        timed.append((event.created_at, data["step"], total if isinstance(total, int) else None))
    if not timed:
        return None
    timed.sort()
    (t0, s0, _), (t1, s1, total) = timed[0], timed[-1]
    rate = (s1 - s0) / (t1 - t0) if t1 > t0 and s1 > s0 else None
    return Progress(s1, total, rate)


def eta_seconds(job: Job, progress: Progress | None, now: float) -> float | None:
    """Seconds left: the server's ``estimated_finish`` if given, else from the step rate."""
    if job.status != "running":
        return None
    if job.estimated_finish:
        return max(0.0, job.estimated_finish - now)
    if progress and progress.rate and progress.total_steps:
        return max(0, progress.total_steps - progress.step) / progress.rate
    return None


def model_label(job: Job) -> str:
    """The fine-tuned model name, or the requested suffix while there is none yet."""
    if job.fine_tuned_model:
        return job.fine_tuned_model
    suffix = _suffix(job)
    return f"…:{suffix}" if suffix else "-"


def _suffix(job: Job) -> str | None:
    """The requested suffix (the provider echoes it)."""
    return job.suffix or None


def job_cells(job: Job, progress: Progress | None, now: float) -> tuple[Any, ...]:
    """The row of one job in the list (same order as ``COLUMNS``)."""
    end = job.finished_at or now
    step = "-"
    if progress is not None:
        step = f"{progress.step}/{progress.total_steps or '?'}"
    tokens = f"{job.trained_tokens:,}" if job.trained_tokens is not None else "-"
    # Most telling first: at 80 columns the base model and creation time scroll off.
    return (
        status_text(str(job.status)),
        step,
        duration(eta_seconds(job, progress, now)),
        duration(end - job.created_at),
        tokens,
        Text(clean(model_label(job))),
        Text(clean(job.model)),
        clock_time(job.created_at),
    )


COLUMNS = ("status", "step", "ETA", "elapsed", "tokens", "model / suffix", "base model", "created")


def timeline_text(job: Job) -> Text:
    """``validating_files > queued > [running] > succeeded``, the current stage highlighted."""
    status = str(job.status)
    stages = list(TIMELINE)
    if status not in stages:
        # failed / cancelled / paused replace the stage after the last one reached.
        stages = [*stages[:-1], status] if status in ("failed", "cancelled") else [*stages, status]
    out = Text()
    for i, stage in enumerate(stages):
        if i:
            out.append(" › ", style="dim")
        out.append_text(
            status_text(stage) if stage == status else Text(stage, style="dim"),
        )
    return out


def detail_text(job: Job, error_line: str | None = None) -> Text:
    """Everything about one job: timeline, model, method, files, seed, metadata, error."""
    out = Text()
    out.append_text(timeline_text(job))
    rows = [
        ("id", job.id),
        ("model", job.model),
        ("fine-tuned", job.fine_tuned_model or "-"),
        ("method", describe_hyperparameters(job)),
        ("training", job.training_file or "-"),
        ("validation", job.validation_file or "-"),
        ("seed", "-" if job.seed is None else str(job.seed)),
        ("metadata", ", ".join(f"{k}={v}" for k, v in (job.metadata or {}).items()) or "-"),
    ]
    if job.result_files:
        rows.append(("results", ", ".join(job.result_files)))
    rows += [("provider", extra.describe()) for extra in job.extras if extra.describe()]
    for key, value in rows:
        out.append(f"\n{key:<11}", style="bold")
        out.append(clean(value))
    err = job_error(job)
    if err is not None or job.status == "failed":
        out.append("\n\nerror", style="bold red")
        err = err or {"code": None, "message": failure_message(job), "param": None}
        for key in ("code", "message", "param"):
            if err.get(key):
                out.append(f"\n{key:<11}", style="bold")
                out.append(clean(err[key]), style="red")
        if error_line is not None:
            out.append("\nfile line  ", style="bold")
            out.append(clean(error_line))
            out.append("\n           g: open this line in the Dataset editor", style="dim")
    return out


def error_line_number(job: Job) -> int | None:
    """The training-file line a failed job's error message names, if any."""
    err = job_error(job)
    match = _LINE.search(str((err or {}).get("message") or ""))
    return int(match.group(1)) if match else None


def checkpoint_cells(ckpt: Checkpoint) -> tuple[str, ...]:
    """Step, the checkpoint's model name and its metrics."""
    m = ckpt.metrics

    def num(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    return (
        str(ckpt.step_number),
        num(m.get("train_loss")),
        num(m.get("valid_loss")),
        num(m.get("full_valid_loss")),
        num(m.get("train_mean_token_accuracy")),
        ckpt.fine_tuned_model_checkpoint,
    )


CHECKPOINT_COLUMNS = ("step", "train", "valid", "full valid", "accuracy", "model")


def rerun_request(job: Job) -> JobSpec:
    """A request with the same base model, files, method, hyperparameters, seed and metadata."""
    kind: Literal["supervised", "dpo"] = "dpo" if job.method == "dpo" else "supervised"
    params = job.hyperparameters
    hp = Hyperparameters(
        n_epochs=params.get("n_epochs"),
        batch_size=params.get("batch_size"),
        learning_rate_multiplier=params.get("learning_rate_multiplier"),
        beta=params.get("beta") if kind == "dpo" else None,
    )
    suffix = _suffix(job)
    lora = lora_from_hyperparameters(params)  # the LoRA settings the job reports, kept too
    return JobSpec(
        model=job.model,
        training_file=job.training_file,
        method=kind,
        hyperparameters=hp,
        validation_file=job.validation_file,
        suffix=suffix,
        seed=job.seed,
        metadata=dict(job.metadata) if job.metadata else None,
        extras=(lora,) if lora is not None else (),
    )


def event_text(event: JobEvent) -> Text:
    """One log line: time, level (coloured), message as data."""
    stamp = datetime.fromtimestamp(event.created_at).strftime("%H:%M:%S")
    out = Text(f"{stamp} ", style="dim")
    level = str(event.level)
    out.append(f"{level:<5} ", style=LEVEL_STYLE.get(level, "bold"))
    out.append(clean(event.message), style=LEVEL_STYLE.get(level, ""))
    return out


def metric_summary(point: MetricPoint | None) -> str:
    """``step 12/30 · train 0.41 · valid 0.52`` for the status line."""
    if point is None:
        return ""
    parts = [f"step {point.step}" + (f"/{point.total_steps}" if point.total_steps else "")]
    for name, label in (("train_loss", "train"), ("valid_loss", "valid")):
        value = point.get(name)
        if value is not None:
            parts.append(f"{label} {value:.3f}")
    return " · ".join(parts)
