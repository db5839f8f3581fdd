"""The stored objects: files, uploads and jobs, as plain dataclasses that round-trip JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class FileRecord:
    """A file's metadata; its bytes live in the store."""

    id: str
    bytes: int
    created_at: int
    filename: str
    purpose: str
    expires_at: int | None = None
    seq: int = 0

    def to_api(self) -> JSON:
        """The ``OpenAIFile`` object."""
        return {
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "filename": self.filename,
            "purpose": self.purpose,
            # Deprecated but still required by the spec; validation errors live on the job.
            "status": "processed",
            "status_details": None,
        }


@dataclass
class UploadRecord:
    """A multi-part upload in progress (or finished)."""

    id: str
    filename: str
    purpose: str
    bytes: int
    mime_type: str
    created_at: int
    expires_at: int
    status: str = "pending"
    parts: dict[str, int] = field(default_factory=dict)
    file_id: str | None = None
    file_ttl: int | None = None
    seq: int = 0


@dataclass(frozen=True)
class JobError:
    """Why a job failed, as shown in the job's ``error`` field."""

    code: str
    message: str
    param: str | None

    def to_api(self) -> JSON:
        """The job ``error`` object."""
        return {"code": self.code, "message": self.message, "param": self.param}


@dataclass(frozen=True)
class TrainingPlan:
    """What validation decided: either an error, or the resolved shape of the training run."""

    error: JobError | None
    examples: int = 0
    tokens_per_epoch: int = 0
    n_epochs: int = 0
    batch_size: int = 0
    learning_rate_multiplier: float = 0.0
    beta: float | None = None
    total_steps: int = 0
    has_validation: bool = False
    format: str = ""

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps in one pass over the training file."""
        return self.total_steps // self.n_epochs if self.n_epochs else 0

    @classmethod
    def from_dict(cls, data: JSON) -> TrainingPlan:
        """Rebuild a plan from its JSON form."""
        error = data.get("error")
        return cls(**{**data, "error": JobError(**error) if error else None})


@dataclass(frozen=True)
class Control:
    """A user action on a job at a moment in time: ``pause``, ``resume`` or ``cancel``."""

    action: str
    at: float


@dataclass
class JobRecord:
    """Everything needed to recompute a job's state at any moment."""

    id: str
    created_at: float
    model: str
    training_file: str
    validation_file: str | None
    suffix: str | None
    seed: int
    method: str
    hyperparameters: dict[str, Any]
    metadata: dict[str, str] | None = None
    integrations: list[JSON] | None = None
    parent_model: str | None = None
    plan: TrainingPlan | None = None
    result_file: str | None = None
    extra_result_files: list[str] = field(default_factory=list)
    """Results files after the metrics CSV (the local trainer's per-example losses)."""
    seq: int = 0
    trainer_state: JSON = field(default_factory=dict)
    """The trainer's own state for this job (its controls, run folder, last step...)."""

    def to_dict(self) -> JSON:
        """The JSON form kept in the state directory."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: JSON) -> JobRecord:
        """Rebuild a job from its JSON form."""
        data = dict(data)
        plan = data.get("plan")
        state = dict(data.get("trainer_state") or {})
        # State written before the trainer seam kept the simulator's controls on the job.
        legacy_controls = data.pop("controls", None)
        if legacy_controls and "controls" not in state:
            state["controls"] = [[c["action"], c["at"]] for c in legacy_controls]
        return cls(
            **{
                **data,
                "plan": TrainingPlan.from_dict(plan) if plan else None,
                "trainer_state": state,
            }
        )
