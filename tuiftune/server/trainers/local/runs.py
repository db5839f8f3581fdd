"""A local job's run folder and its per-job state (``JobRecord.trainer_state``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuiftune.server.catalog import base_of
from tuiftune.server.records import JobError, JobRecord
from tuiftune.server.trainers.local.models import checkpoint_model_name, fine_tuned_model_name

# Phases kept in trainer_state["phase"]; the job's status is the phase.
QUEUED, RUNNING, PAUSED = "queued", "running", "paused"
SUCCEEDED, FAILED, CANCELLED = "succeeded", "failed", "cancelled"
UNFINISHED = frozenset({QUEUED, RUNNING, PAUSED})
PAUSE_FILE = Path("control") / "pause"


@dataclass(frozen=True)
class Names:
    """The model names one job produces."""

    base: str
    suffix: str | None
    job_id: str

    @classmethod
    def of(cls, job: JobRecord) -> Names:
        """The names of ``job`` (a job from a fine-tuned model keeps its base's name)."""
        return cls(base_of(job.model), job.suffix, job.id)

    @property
    def model(self) -> str:
        """``fine_tuned_model``."""
        return fine_tuned_model_name(self.base, self.suffix, self.job_id)

    def checkpoint(self, step: int) -> str:
        """``fine_tuned_model_checkpoint`` of the adapter saved at ``step``."""
        return checkpoint_model_name(self.base, self.suffix, self.job_id, step)


def state(job: JobRecord) -> dict[str, Any]:
    """The job's trainer_state (created empty)."""
    return job.trainer_state


def phase(job: JobRecord) -> str:
    """The job's phase, or "" for a job this trainer never planned."""
    return str(job.trainer_state.get("phase", ""))


def run_dir(job: JobRecord) -> Path:
    """The job's run folder."""
    return Path(job.trainer_state["run_dir"])


def fail(job: JobRecord, message: str, at: float, code: str = "training_failed") -> None:
    """Mark the job failed with one readable line."""
    error = {"code": code, "message": message, "param": None}
    job.trainer_state.update(phase=FAILED, finished_at=int(at), error=error)


def job_error(job: JobRecord) -> JobError | None:
    """The error of a failed job."""
    error = job.trainer_state.get("error")
    if not isinstance(error, dict):
        return None
    return JobError(str(error.get("code")), str(error.get("message")), error.get("param"))


def write_inputs(folder: Path, training: bytes, validation: bytes | None) -> None:
    """Put the job's files where the engine reads them (blocking)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "training.jsonl").write_bytes(training)
    if validation is not None:
        (folder / "validation.jsonl").write_bytes(validation)


def write_config(folder: Path, config: dict[str, Any]) -> Path:
    """Write RUN_DIR/config.json and clear a stale pause request (blocking)."""
    path = folder / "config.json"
    tmp = folder / ".config.json.tmp"
    tmp.write_text(json.dumps(config, indent=1), encoding="utf-8")
    tmp.replace(path)
    (folder / PAUSE_FILE).unlink(missing_ok=True)
    return path


def request_pause(folder: Path, wanted: bool) -> None:
    """Create or remove RUN_DIR/control/pause (blocking)."""
    path = folder / PAUSE_FILE
    if wanted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    else:
        path.unlink(missing_ok=True)
