"""Batches: stored records, their progress as a pure function of the clock, and their files.

Like fine-tuning jobs, a batch does its work when it is created (each request is answered
then) and the clock only decides how much of that work has been revealed: ``validating`` for
two training steps' time, then one request per tenth of a step, ``finalizing`` for two steps.
Output and error files are written the first time a batch is seen in a terminal state.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuiftune.server.ids import new_id
from tuiftune.server.records import FileRecord
from tuiftune.server.store import Store, write_atomic

WINDOW_SECONDS = 24 * 3600
TERMINAL = frozenset({"failed", "completed", "expired", "cancelled"})
CANCELLABLE = frozenset({"validating", "in_progress", "finalizing"})


@dataclass
class BatchRecord:
    """What is kept about a batch; ``outputs`` holds every request's answer, in input order."""

    id: str
    endpoint: str
    input_file_id: str
    completion_window: str
    created_at: float
    step_seconds: float
    model: str | None = None
    metadata: dict[str, str] | None = None
    output_ttl: int | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    cancel_at: float | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    files_written: bool = False
    seq: int = 0


@dataclass(frozen=True)
class BatchState:
    """A batch at one moment: status, timestamps and how many requests are done."""

    status: str
    processed: int
    stamps: dict[str, int | None]


def _phases(rec: BatchRecord) -> tuple[float, float, float]:
    """(validating seconds, seconds per request, finalizing seconds)."""
    step = max(0.0, rec.step_seconds)
    return 2 * step, step / 10, 2 * step


def _done_by(rec: BatchRecord, start: float, when: float, per: float) -> int:
    if when < start:
        return 0
    if per <= 0:
        return len(rec.outputs)
    return min(len(rec.outputs), math.floor((when - start) / per + 1e-9))


def batch_state(rec: BatchRecord, now: float) -> BatchState:
    """Replay the batch's life up to ``now``."""
    validating, per, finalizing = _phases(rec)
    created = rec.created_at
    started = created + validating
    processed_at = started + per * len(rec.outputs)
    completed_at = processed_at + finalizing
    expires = created + WINDOW_SECONDS
    stamps: dict[str, int | None] = dict.fromkeys(
        (
            "in_progress_at",
            "finalizing_at",
            "completed_at",
            "failed_at",
            "expired_at",
            "cancelling_at",
            "cancelled_at",
        )
    )
    cancel = rec.cancel_at
    if cancel is not None and cancel <= now:
        # Work stops at the cancel request; what was done by then is kept.
        if cancel >= started and not rec.errors:
            stamps["in_progress_at"] = int(started)
        if cancel >= processed_at and not rec.errors:
            stamps["finalizing_at"] = int(processed_at)
        stamps["cancelling_at"] = int(cancel)
        done = 0 if rec.errors else _done_by(rec, started, min(cancel, expires), per)
        if now < cancel + finalizing:
            return BatchState("cancelling", done, stamps)
        stamps["cancelled_at"] = int(cancel + finalizing)
        return BatchState("cancelled", done, stamps)
    if now < started:
        return BatchState("validating", 0, stamps)
    if rec.errors:
        stamps["failed_at"] = int(started)
        return BatchState("failed", 0, stamps)
    stamps["in_progress_at"] = int(started)
    if processed_at > expires and now >= expires:
        stamps["expired_at"] = int(expires)
        return BatchState("expired", _done_by(rec, started, expires, per), stamps)
    if now < processed_at:
        return BatchState("in_progress", _done_by(rec, started, now, per), stamps)
    stamps["finalizing_at"] = int(processed_at)
    if now < completed_at:
        return BatchState("finalizing", len(rec.outputs), stamps)
    stamps["completed_at"] = int(completed_at)
    return BatchState("completed", len(rec.outputs), stamps)


def _ok(line: dict[str, Any]) -> bool:
    response = line.get("response")
    return isinstance(response, dict) and response.get("status_code") == 200


def _usage(lines: list[dict[str, Any]]) -> dict[str, Any]:
    prompt = completion = 0
    for line in lines:
        if _ok(line):
            usage = line["response"]["body"].get("usage") or {}
            prompt += int(usage.get("prompt_tokens", 0))
            completion += int(usage.get("completion_tokens", 0))
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }


def render(rec: BatchRecord, state: BatchState) -> dict[str, Any]:
    """The ``Batch`` object."""
    done = rec.outputs[: state.processed]
    validated = state.status != "validating" and not rec.errors
    completed = sum(1 for line in done if _ok(line))
    return {
        "id": rec.id,
        "object": "batch",
        "endpoint": rec.endpoint,
        "model": rec.model,
        "errors": {"object": "list", "data": rec.errors} if rec.errors else None,
        "input_file_id": rec.input_file_id,
        "completion_window": rec.completion_window,
        "status": state.status,
        "output_file_id": rec.output_file_id,
        "error_file_id": rec.error_file_id,
        "created_at": int(rec.created_at),
        "expires_at": int(rec.created_at + WINDOW_SECONDS),
        **state.stamps,
        "request_counts": {
            "total": len(rec.outputs) if validated else 0,
            "completed": completed,
            "failed": len(done) - completed,
        },
        "usage": _usage(done),
        "metadata": rec.metadata,
    }


class BatchBook:
    """The batches of one app, kept beside the store's state (``<state_dir>/batches``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batches: dict[str, BatchRecord] = {}
        self._lock = asyncio.Lock()
        root = self._root()
        if root is not None and root.is_dir():
            for path in sorted(root.glob("*.json")):
                try:
                    rec = BatchRecord(**json.loads(path.read_bytes()))
                except (OSError, ValueError, TypeError):
                    continue  # one damaged record must not hide the others
                self.batches[rec.id] = rec
            self.batches = dict(sorted(self.batches.items(), key=lambda kv: kv[1].seq))

    def _root(self) -> Path | None:
        return None if self.store.root is None else self.store.root / "batches"

    def save(self, rec: BatchRecord) -> None:
        """Record a new or changed batch."""
        self.batches[rec.id] = rec
        root = self._root()
        if root is not None:
            data = json.dumps(dataclasses.asdict(rec), sort_keys=True).encode()
            write_atomic(root / f"{rec.id}.json", data)

    async def finish(self, rec: BatchRecord, state: BatchState, now: float) -> None:
        """Write the output and error files of a batch that reached a terminal state."""
        if rec.files_written or state.status not in TERMINAL:
            return
        async with self._lock:
            if rec.files_written:
                return
            from tuiftune.server.batch_exec import unprocessed

            code = "batch_cancelled" if state.status == "cancelled" else "batch_expired"
            done = rec.outputs[: state.processed]
            errors = [line for line in done if not _ok(line)]
            errors += [unprocessed(line["custom_id"], code) for line in rec.outputs[len(done) :]]
            if state.status == "failed":
                errors = []
            created = int(now)
            for kind, lines in (("output", [x for x in done if _ok(x)]), ("error", errors)):
                if not lines:
                    continue
                content = "".join(json.dumps(x) + "\n" for x in lines).encode()
                record = FileRecord(
                    id=new_id("file-", 22),
                    bytes=len(content),
                    created_at=created,
                    filename=f"{rec.id}_{kind}.jsonl",
                    purpose="batch_output",
                    expires_at=created + rec.output_ttl if rec.output_ttl else None,
                    seq=self.store.next_seq(),
                )
                await self.store.add_file(record, content)
                if kind == "output":
                    rec.output_file_id = record.id
                else:
                    rec.error_file_id = record.id
            rec.files_written = True
            self.save(rec)
