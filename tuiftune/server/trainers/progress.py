"""What a trainer reports: step metrics, events, checkpoints and a job's state at a moment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tuiftune.server.records import JobError


@dataclass(frozen=True)
class StepMetrics:
    """Metrics of one optimizer step; ``None`` where a value was not computed at that step."""

    step: int
    train_loss: float
    train_accuracy: float
    valid_loss: float | None = None
    valid_accuracy: float | None = None
    full_valid_loss: float | None = None
    full_valid_accuracy: float | None = None

    def to_data(self, total_steps: int) -> dict[str, Any]:
        """The ``data`` of a ``metrics`` event."""
        data: dict[str, Any] = {
            "step": self.step,
            "total_steps": total_steps,
            "train_loss": self.train_loss,
            "train_mean_token_accuracy": self.train_accuracy,
        }
        optional = {
            "valid_loss": self.valid_loss,
            "valid_mean_token_accuracy": self.valid_accuracy,
            "full_valid_loss": self.full_valid_loss,
            "full_valid_mean_token_accuracy": self.full_valid_accuracy,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        return data


@dataclass(frozen=True)
class JobEvent:
    """One entry of a job's event log."""

    id: str
    created_at: int
    message: str
    level: str = "info"
    type: str = "message"
    data: dict[str, Any] | None = None

    def to_api(self) -> dict[str, Any]:
        """The ``FineTuningJobEvent`` object."""
        return {
            "object": "fine_tuning.job.event",
            "id": self.id,
            "created_at": self.created_at,
            "level": self.level,
            "message": self.message,
            "data": self.data,
            "type": self.type,
        }


@dataclass(frozen=True)
class Checkpoint:
    """A saved model at the end of an epoch, usable for inference by its model name."""

    id: str
    created_at: int
    job_id: str
    step: int
    model: str
    metrics: StepMetrics

    def to_api(self) -> dict[str, Any]:
        """The ``FineTuningJobCheckpoint`` object."""
        metrics = self.metrics.to_data(0)
        metrics.pop("total_steps")
        return {
            "object": "fine_tuning.job.checkpoint",
            "id": self.id,
            "created_at": self.created_at,
            "fine_tuned_model_checkpoint": self.model,
            "fine_tuning_job_id": self.job_id,
            "metrics": metrics,
            "step_number": self.step,
        }


class EventLog(Protocol):
    """A job's events, oldest first; may render them lazily (a job can have 50,000 steps)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> JobEvent: ...

    def index_of(self, event_id: str) -> int | None:
        """The position of an event, or None if this log has no such id."""
        ...


class ListEventLog:
    """An ``EventLog`` over a plain list, with an id index so cursors need no scan."""

    def __init__(self, events: Sequence[JobEvent]) -> None:
        self._events = list(events)
        self._index = {event.id: i for i, event in enumerate(self._events)}

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index: int) -> JobEvent:
        return self._events[index]

    def index_of(self, event_id: str) -> int | None:
        """The position of an event, or None."""
        return self._index.get(event_id)


@dataclass(frozen=True)
class JobProgress:
    """A job's state at one moment. Events and checkpoints are oldest first."""

    status: str
    events: EventLog
    checkpoints: Sequence[Checkpoint] = ()
    error: JobError | None = None
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    estimated_finish: int | None = None
    trained_tokens: int | None = None
    # Whether ``plan``'s resolved hyperparameters are known to the client yet.
    hyperparameters_resolved: bool = False
    # Resolved hyperparameters beyond OpenAI's (a local run's LoRA rank, say), shown with them.
    hyperparameter_extras: Mapping[str, Any] = field(default_factory=dict)
