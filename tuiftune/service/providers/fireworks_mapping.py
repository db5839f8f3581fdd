"""Fireworks' objects (``fireworks.types.SupervisedFineTuningJob``, ``Dataset``, ``Deployment``)
as tuiftune's neutral types, and Fireworks' typed extras. Wire names are camelCase."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tuiftune.service.providers.http_api import unix
from tuiftune.service.types import Deployment, FileRef, Job, JobError, ProviderExtras

# Fireworks' job states -> OpenAI's words; any other state is shown as it comes.
JOB_STATES: Mapping[str, str] = {
    "JOB_STATE_CREATING": "validating_files",
    "JOB_STATE_VALIDATING": "validating_files",
    "JOB_STATE_CREATING_INPUT_DATASET": "validating_files",
    "JOB_STATE_PENDING": "queued",
    "JOB_STATE_RE_QUEUEING": "queued",
    "JOB_STATE_IDLE": "queued",
    "JOB_STATE_RUNNING": "running",
    "JOB_STATE_WRITING_RESULTS": "running",
    "JOB_STATE_CANCELLING": "running",
    "JOB_STATE_PAUSED": "paused",
    "JOB_STATE_COMPLETED": "succeeded",
    "JOB_STATE_EARLY_STOPPED": "succeeded",
    "JOB_STATE_FAILED": "failed",
    "JOB_STATE_EXPIRED": "failed",
    "JOB_STATE_CANCELLED": "cancelled",
}
DEPLOYMENT_STATES: Mapping[str, str] = {
    "CREATING": "creating",
    "UPDATING": "creating",
    "READY": "succeeded",
    "FAILED": "failed",
    "DELETING": "deleting",
    "DELETED": "deleted",
}


@dataclass(frozen=True)
class FireworksJobOptions(ProviderExtras):
    """Settings only Fireworks knows, for ``JobSpec.extras``; None leaves Fireworks' default."""

    learning_rate: float | None = None
    """Absolute learning rate (the neutral multiplier is not used on Fireworks)."""
    lora_rank: int | None = None
    max_context_length: int | None = None
    evaluation_dataset: str | None = None
    """A dataset name (``accounts/.../datasets/...``); else the spec's validation file."""
    output_model: str | None = None
    display_name: str | None = None
    job_id: str | None = None


@dataclass(frozen=True)
class FireworksJobInfo(ProviderExtras):
    """Fireworks' own view of a job: its raw state, percent progress and estimated cost."""

    raw_state: str
    percent: int | None = None
    epoch: int | None = None
    estimated_cost_usd: float | None = None
    output_model: str | None = None

    def describe(self) -> str:
        """One line for the Jobs area: Fireworks' state, percent done, estimated cost."""
        state = self.raw_state.removeprefix("JOB_STATE_").replace("_", " ").lower()
        parts = [f"Fireworks: {state}"]
        if self.percent is not None:
            parts.append(f"{self.percent}% done")
        if self.estimated_cost_usd is not None:
            parts.append(f"estimated ${self.estimated_cost_usd:.2f}")
        return ", ".join(parts)


@dataclass(frozen=True)
class FireworksDeploymentInfo(ProviderExtras):
    """How an on-demand deployment scales (zero replicas cost nothing while idle)."""

    min_replicas: int
    max_replicas: int
    replicas: int | None
    scale_to_zero_window: str | None

    def describe(self) -> str:
        """One line: how it scales (nothing is billed while it has no replica)."""
        idle = (
            f", to zero after {self.scale_to_zero_window} idle" if self.scale_to_zero_window else ""
        )
        return f"{self.min_replicas}-{self.max_replicas} replicas{idle}"


def short_id(name: str) -> str:
    """``accounts/a/supervisedFineTuningJobs/xyz`` -> ``xyz``."""
    return name.rsplit("/", 1)[-1]


def _money(cost: Any) -> float | None:
    if not isinstance(cost, dict) or cost.get("currencyCode", "USD") != "USD":
        return None
    try:
        return int(cost.get("units") or 0) + int(cost.get("nanos") or 0) / 1e9
    except (TypeError, ValueError):
        return None


def job_from(data: Mapping[str, Any]) -> Job:
    """A neutral ``Job`` from a supervised fine-tuning job."""
    raw = str(data.get("state") or "JOB_STATE_UNSPECIFIED")
    status = JOB_STATES.get(raw, raw)
    progress = data.get("jobProgress") if isinstance(data.get("jobProgress"), dict) else None
    err = data.get("status")
    err = err if isinstance(err, dict) else {}
    error = None
    if status == "failed":
        error = JobError(code=err.get("code"), message=err.get("message") or raw)
    output = data.get("outputModel")
    hyper = {
        "n_epochs": data.get("epochs"),
        "learning_rate": data.get("learningRate"),
        "lora_rank": data.get("loraRank"),
        "batch_size": data.get("batchSize"),
    }
    info = FireworksJobInfo(
        raw_state=raw,
        percent=progress.get("percent") if progress else None,
        epoch=progress.get("epoch") if progress else None,
        estimated_cost_usd=_money(data.get("estimatedCost")),
        output_model=output,
    )
    return Job(
        id=short_id(str(data.get("name") or "")),
        status=status,
        model=str(data.get("baseModel") or data.get("warmStartFrom") or ""),
        created_at=unix(data.get("createTime")) or 0,
        fine_tuned_model=str(output) if output and status == "succeeded" else None,
        finished_at=unix(data.get("completedTime")),
        hyperparameters={k: v for k, v in hyper.items() if v is not None},
        error=error,
        training_file=str(data.get("dataset") or ""),
        validation_file=data.get("evaluationDataset") or None,
        extras=(info,),
    )


def file_from(data: Mapping[str, Any]) -> FileRef:
    """A dataset as a ``FileRef``; its id is the full dataset name jobs take."""
    return FileRef(
        id=str(data.get("name") or ""),
        filename=str(data.get("displayName") or short_id(str(data.get("name") or ""))),
        bytes=0,
        purpose="fine-tune",
        created_at=unix(data.get("createTime")) or 0,
        status=data.get("state"),
    )


@dataclass(frozen=True)
class FireworksDeployment(Deployment):
    """A ``Deployment`` with Fireworks' scaling extras."""

    extras: tuple[ProviderExtras, ...] = ()

    def extra(self, kind: type[FireworksDeploymentInfo]) -> FireworksDeploymentInfo | None:
        """The extras of one kind, or None."""
        return next((e for e in self.extras if isinstance(e, kind)), None)


def deployment_from(data: Mapping[str, Any]) -> FireworksDeployment:
    """A neutral deployment; ``name`` is what inference puts after ``#`` in the model."""
    raw = str(data.get("state") or "STATE_UNSPECIFIED")
    policy = (
        data.get("autoscalingPolicy") if isinstance(data.get("autoscalingPolicy"), dict) else {}
    )
    info = FireworksDeploymentInfo(
        min_replicas=int(data.get("minReplicaCount") or 0),
        max_replicas=int(data.get("maxReplicaCount") or 1),
        replicas=data.get("replicaCount"),
        scale_to_zero_window=policy.get("scaleToZeroWindow") if policy else None,
    )
    name = str(data.get("name") or "")
    return FireworksDeployment(
        id=short_id(name),
        model=str(data.get("baseModel") or ""),
        status=DEPLOYMENT_STATES.get(raw, raw),
        name=name,
        extras=(info,),
    )
