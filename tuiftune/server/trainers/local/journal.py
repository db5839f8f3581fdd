"""A local run's journal: progress.jsonl lines turned into OpenAI-named events, metrics and
checkpoints, kept in RUN_DIR/events.jsonl so a restarted server shows the same job.

Each journal line is ``{"events": [...], "raw": <progress line> | null, "end": <offset>}``: the
events it produced, the engine line they came from (replayed into the metrics and checkpoints
on load) and how far into progress.jsonl the server had read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuiftune.server.ids import stable_id
from tuiftune.server.trainers.local_engine.progress import counted
from tuiftune.server.trainers.progress import JobEvent, StepMetrics

log = logging.getLogger(__name__)

JOURNAL = "events.jsonl"
PROGRESS = "progress.jsonl"
_METRIC_KEYS = (
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "valid_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
    "train_reward_margin",
    "train_reward_accuracy",
    "valid_reward_margin",
    "valid_reward_accuracy",
    "full_valid_reward_margin",
    "full_valid_reward_accuracy",
)


@dataclass(frozen=True)
class SavedAdapter:
    """A checkpoint adapter the engine saved (and has not pruned)."""

    step: int
    path: str
    created_at: int
    model: str
    metrics: StepMetrics


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def step_metrics(step: int, raw: dict[str, Any]) -> StepMetrics:
    """The seam's metrics of one step from an engine metrics dict."""
    return StepMetrics(
        step,
        _number(raw.get("train_loss")) or 0.0,
        _number(raw.get("train_mean_token_accuracy")) or 0.0,
        _number(raw.get("valid_loss")),
        _number(raw.get("valid_mean_token_accuracy")),
        _number(raw.get("full_valid_loss")),
        _number(raw.get("full_valid_mean_token_accuracy")),
    )


def read_progress(path: Path, offset: int) -> tuple[list[tuple[dict[str, Any], int]], int]:
    """Whole lines of progress.jsonl after ``offset`` with each line's end (blocking)."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return [], offset
    lines: list[tuple[dict[str, Any], int]] = []
    position = offset
    while (cut := data.find(b"\n", position - offset)) >= 0:
        raw, end = data[position - offset : cut], offset + cut + 1
        position = end
        try:
            value = json.loads(raw)
        except ValueError:
            log.warning("%s: skipping an unreadable line at byte %d", path, end)
            continue
        if isinstance(value, dict):
            lines.append((value, end))
    return lines, position


class RunJournal:
    """One job's events (an ``EventLog``), metrics by step, saved adapters and run facts."""

    def __init__(self, job_id: str, run_dir: Path, checkpoint_name: Callable[[int], str]) -> None:
        self.job_id = job_id
        self.run_dir = run_dir
        self._checkpoint_name = checkpoint_name
        self._events: list[JobEvent] = []
        self._index: dict[str, int] = {}
        self.metrics: dict[int, StepMetrics] = {}
        self.adapters: dict[str, SavedAdapter] = {}
        self.total_steps = 0
        self.last_step = 0
        self.trained_tokens: int | None = None
        self.last_state: str | None = None
        self.outcome: dict[str, Any] | None = None
        self.offset = 0
        self._pace: deque[tuple[float, int]] = deque(maxlen=20)
        self._pending: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()

    # -- the EventLog protocol -------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index: int) -> JobEvent:
        return self._events[index]

    def index_of(self, event_id: str) -> int | None:
        """The position of an event, or None."""
        return self._index.get(event_id)

    # -- writing ---------------------------------------------------------------------------

    def _event(
        self, at: float, message: str, level: str = "info", kind: str = "message", data: Any = None
    ) -> JobEvent:
        event_id = stable_id("ftevent-", self.job_id, len(self._events))
        event = JobEvent(event_id, int(at), message, level, kind, data)
        self._index[event_id] = len(self._events)
        self._events.append(event)
        return event

    def _persist(self, record: dict[str, Any]) -> None:
        # Written by ``flush`` off the event loop, in order.
        self._pending.append(record)

    async def flush(self) -> None:
        """Append what changed since the last flush to RUN_DIR/events.jsonl."""
        async with self._lock:
            records, self._pending = self._pending, []
            if records:
                await asyncio.to_thread(self._write, records)

    def _write(self, records: list[dict[str, Any]]) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        data = b"".join((json.dumps(r, ensure_ascii=False) + "\n").encode() for r in records)
        fd = os.open(self.run_dir / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def note(self, at: float, message: str, level: str = "info") -> JobEvent:
        """A server-side event (queued, started, paused, ...), kept in the journal."""
        event = self._event(at, message, level)
        self._persist({"events": [_dump(event)], "raw": None, "end": None})
        return event

    def ingest(self, lines: list[tuple[dict[str, Any], int]]) -> list[dict[str, Any]]:
        """Take in engine lines; return the ones that end or pause the run."""
        ends = []
        for raw, end in lines:
            events = self._translate(raw)
            self._apply(raw)
            self.offset = max(self.offset, end)
            self._persist({"events": [_dump(e) for e in events], "raw": raw, "end": end})
            if raw.get("type") in ("done", "paused", "error", "cancelled"):
                ends.append(raw)
        return ends

    def _translate(self, raw: dict[str, Any]) -> list[JobEvent]:
        kind, at = raw.get("type"), _number(raw.get("t")) or 0.0
        if kind == "message":
            level = raw.get("level") if raw.get("level") in ("info", "warn", "error") else "info"
            return [self._event(at, str(raw.get("message", "")), str(level))]
        if kind == "plan":
            total, per_epoch = int(raw.get("total_steps", 0)), raw.get("steps_per_epoch", 0)
            epochs = counted(int(raw.get("n_epochs", 0)), "epoch")
            text = f"Training for {counted(total, 'step')} ({per_epoch} per epoch, {epochs})"
            return [self._event(at, text, data={"resolved": raw.get("resolved")})]
        if kind == "metrics":
            return [self._metrics_event(at, raw)]
        if kind == "checkpoint":
            step = int(raw.get("step", 0))
            name = self._checkpoint_name(step)
            return [self._event(at, f"Checkpoint created at step {step} with Snapshot ID: {name}")]
        if kind == "paused":
            return [self._event(at, f"Fine-tuning job paused at step {raw.get('step', 0)}")]
        if kind == "error":
            return [self._event(at, f"The job failed: {raw.get('message', '')}", "error")]
        return []

    def _metrics_event(self, at: float, raw: dict[str, Any]) -> JobEvent:
        step = int(raw.get("step", 0))
        total = int(raw.get("total_steps") or self.total_steps)
        data: dict[str, Any] = {"step": step, "total_steps": total}
        data.update({k: raw[k] for k in _METRIC_KEYS if _number(raw.get(k)) is not None})
        text = f"Step {step}/{total}: training loss={_number(raw.get('train_loss')) or 0.0:.2f}"
        if "valid_loss" in data:
            text += f", validation loss={data['valid_loss']:.2f}"
        if "full_valid_loss" in data:
            text += f", full validation loss={data['full_valid_loss']:.2f}"
        return self._event(at, text, kind="metrics", data=data)

    def _apply(self, raw: dict[str, Any]) -> None:
        kind, at = raw.get("type"), _number(raw.get("t")) or 0.0
        if kind == "plan":
            self.total_steps = int(raw.get("total_steps") or 0)
        elif kind == "metrics":
            step = int(raw.get("step", 0))
            self.metrics[step] = step_metrics(step, raw)
            self.last_step = max(self.last_step, step)
            self.total_steps = int(raw.get("total_steps") or self.total_steps)
            if (tokens := raw.get("trained_tokens")) is not None:
                self.trained_tokens = int(tokens)
            self._pace.append((at, step))
        elif kind == "checkpoint":
            step, path = int(raw.get("step", 0)), str(raw.get("path", ""))
            metrics = raw.get("metrics") if isinstance(raw.get("metrics"), dict) else None
            m = step_metrics(step, metrics) if metrics else self.metrics.get(step)
            saved = SavedAdapter(
                step, path, int(at), self._checkpoint_name(step), m or StepMetrics(step, 0, 0)
            )
            self.adapters[path] = saved
        elif kind == "checkpoint_removed":
            self.adapters.pop(str(raw.get("path", "")), None)
        elif kind in ("state", "paused"):
            where = raw.get("path") if kind == "state" else raw.get("state")
            if isinstance(where, str):
                self.last_state = where
        if kind == "launch":
            self.outcome = None
            self._pace.clear()
        if kind in ("done", "paused", "error", "cancelled"):
            self.outcome = raw
            if kind == "done" and raw.get("trained_tokens") is not None:
                self.trained_tokens = int(raw["trained_tokens"])

    def launch(self, at: float, message: str) -> JobEvent:
        """A new engine process starts: note it, and forget the last one's ending."""
        raw = {"type": "launch", "t": at}
        event = self._event(at, message)
        self._apply(raw)
        self._persist({"events": [_dump(event)], "raw": raw, "end": None})
        return event

    def steps_per_second(self) -> float | None:
        """The measured step rate over the last steps, or None before two steps."""
        if len(self._pace) < 2:
            return None
        (t0, s0), (t1, s1) = self._pace[0], self._pace[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 and s1 > s0 else None

    # -- reading back ----------------------------------------------------------------------

    @classmethod
    def load(cls, job_id: str, run_dir: Path, checkpoint_name: Callable[[int], str]) -> RunJournal:
        """Rebuild the journal from RUN_DIR/events.jsonl (blocking)."""
        journal = cls(job_id, run_dir, checkpoint_name)
        try:
            data = (run_dir / JOURNAL).read_bytes()
        except FileNotFoundError:
            return journal
        for line in data.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a torn last line from a crash
            for event in record.get("events", []):
                journal._event(
                    event["created_at"],
                    event["message"],
                    event["level"],
                    event["type"],
                    event.get("data"),
                )
            if isinstance(record.get("raw"), dict):
                journal._apply(record["raw"])
            if isinstance(record.get("end"), int):
                journal.offset = max(journal.offset, record["end"])
        return journal


def _dump(event: JobEvent) -> dict[str, Any]:
    return {
        "created_at": event.created_at,
        "message": event.message,
        "level": event.level,
        "type": event.type,
        "data": event.data,
    }
