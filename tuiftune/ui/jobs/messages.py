"""Messages the Jobs mode's workers post; handlers on the screen own all widget updates."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from tuiftune.service.types import Checkpoint, Job
from tuiftune.service.watch import JobSnapshot
from tuiftune.ui.jobs.format import Progress


@dataclass
class JobsLoaded(Message):
    """A fresh first page of jobs, and the progress of the running ones."""

    jobs: list[Job]
    progress: dict[str, Progress] = field(default_factory=dict)
    error: str | None = None
    has_more: bool | None = None  # older jobs exist beyond these
    older: bool = False  # a page of older jobs asked for with "m", not the refreshed first page


@dataclass
class SnapshotReceived(Message):
    """One poll of the watched job."""

    job_id: str
    snapshot: JobSnapshot


@dataclass
class CheckpointsLoaded(Message):
    """The watched job's checkpoints."""

    job_id: str
    checkpoints: list[Checkpoint]


@dataclass
class ErrorLineLoaded(Message):
    """The training-file line a failed job's error names."""

    job_id: str
    line: str


@dataclass
class JobChanged(Message):
    """An action (cancel, pause, resume, create, rerun) returned this job."""

    job: Job
    select: bool = False


@dataclass
class UploadProgress(Message):
    """Bytes sent of one upload (``total`` 0 hides the bar)."""

    sent: int
    total: int
    label: str = ""
