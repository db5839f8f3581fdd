"""Together AI's fine-tuning objects, turned into tuiftune's neutral types, and its typed extras.

Shapes follow the official ``together`` SDK (``together.types.finetune_response``,
``finetune_event``, ``fine_tuning_list_checkpoints_response``, ``..._metrics_response``,
``..._estimate_price_response``, ``finetune_model_limits``); unknown fields are ignored and
unknown statuses pass through as they come.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tuiftune.service.providers.http_api import unix
from tuiftune.service.types import Checkpoint, Job, JobError, JobEvent, ProviderExtras

# Together's words -> OpenAI's (the neutral ones). Anything else is shown as it comes.
STATUS_MAP: Mapping[str, str] = {
    "pending": "queued",
    "queued": "queued",
    "running": "running",
    "compressing": "running",
    "uploading": "running",
    "cancel_requested": "running",
    "cancelled": "cancelled",
    "error": "failed",
    "user_error": "failed",
    "completed": "succeeded",
}
DEFAULT_LEARNING_RATE = 1e-5
"""The SDK's default; the neutral learning-rate multiplier scales it."""


@dataclass(frozen=True)
class TogetherJobOptions(ProviderExtras):
    """Settings only Together knows, for ``JobSpec.extras``; None leaves Together's default."""

    lora: bool | None = None
    """True: LoRA, False: full fine-tuning, None: Together decides (LoRA)."""
    lora_rank: int | None = None
    lora_alpha: int | None = None
    lora_dropout: float | None = None
    lora_trainable_modules: str | None = None
    learning_rate: float | None = None
    """Absolute learning rate; else the multiplier times 1e-5."""
    n_checkpoints: int | None = None
    n_evals: int | None = None
    max_seq_length: int | None = None
    from_checkpoint: str | None = None
    """``{job id or output model}[:{step}]``: continue training from a previous job."""
    train_on_inputs: bool | Literal["auto"] | None = None
    warmup_ratio: float | None = None
    lr_scheduler: Literal["linear", "cosine"] = "cosine"


@dataclass(frozen=True)
class TogetherJobInfo(ProviderExtras):
    """What Together says about a job beyond the neutral fields (the Jobs area shows it)."""

    raw_status: str
    queue_depth: int | None = None
    seconds_remaining: int | None = None
    steps_completed: int | None = None
    total_steps: int | None = None
    epochs_completed: int | None = None
    training_type: str | None = None
    """``Lora`` or ``Full``."""
    total_price: int | None = None
    """As Together reports it on the job."""
    model_object_id: str | None = None
    """The model registry id (``ml_...``) a dedicated endpoint serves."""

    def describe(self) -> str:
        """One line for the Jobs area: Together's own status, queue place, steps, time left."""
        parts = [f"Together: {self.raw_status}"]
        if self.queue_depth is not None:
            parts.append(f"{self.queue_depth} ahead in the queue")
        if self.steps_completed is not None and self.total_steps:
            parts.append(f"step {self.steps_completed}/{self.total_steps}")
        if self.seconds_remaining:
            parts.append(f"about {max(1, round(self.seconds_remaining / 60))} min left")
        return ", ".join(parts)


@dataclass(frozen=True)
class TogetherPriceEstimate(ProviderExtras):
    """``POST /v1/fine-tunes/estimate-price``: what the job will cost before it starts."""

    available: bool
    total_usd: float | None = None
    train_tokens: float | None = None
    eval_tokens: float | None = None
    allowed_to_proceed: bool | None = None
    user_limit_usd: float | None = None
    unavailable_reason: str | None = None

    def describe(self) -> str:
        """One line: the estimate, or why there is none."""
        if not self.available:
            why = (self.unavailable_reason or "unavailable").replace("_", " ")
            return f"no price estimate ({why})"
        text = f"estimated ${self.total_usd:.2f}" if self.total_usd is not None else "estimated"
        if self.train_tokens is not None:
            text += f" for {self.train_tokens:,.0f} training tokens"
        if self.allowed_to_proceed is False:
            text += f", over your ${self.user_limit_usd or 0:.2f} limit"
        return text


@dataclass(frozen=True)
class TogetherModelLimits(ProviderExtras):
    """``GET /v1/fine-tunes/models/limits``: what a base model accepts (lint, Jobs form)."""

    model: str
    max_seq_length_sft: int
    max_seq_length_dpo: int
    min_max_seq_length: int
    lora_min_batch_size: int
    lora_max_batch_size: int
    lora_max_batch_size_dpo: int
    lora_max_rank: int
    lora_default_rank: int | None
    full_min_batch_size: int | None
    full_max_batch_size: int | None
    max_epochs: int
    max_checkpoints: int
    max_evals: int
    min_learning_rate: float
    max_learning_rate: float
    supports_full_training: bool
    supports_vision: bool
    supports_tools: bool


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _error_of(data: Mapping[str, Any]) -> JobError | None:
    if data.get("status") not in ("error", "user_error"):
        return None
    message = None
    for event in reversed(data.get("events") or []):
        if isinstance(event, dict) and (
            event.get("level") == "error" or "error" in str(event.get("type")).lower()
        ):
            message = str(event.get("message") or "")
            break
    return JobError(code=str(data.get("status")), message=message or "The job failed on Together.")


def job_from(data: Mapping[str, Any]) -> Job:
    """A neutral ``Job`` from a Together fine-tune object (full, truncated or cancel reply)."""
    raw = str(data.get("status") or "unknown")
    method_obj = data.get("training_method") or {}
    method = (
        "dpo"
        if isinstance(method_obj, dict) and method_obj.get("method") == "dpo"
        else "supervised"
    )
    progress = data.get("progress")
    progress = progress if isinstance(progress, dict) else {}
    updated = unix(data.get("updated_at"))
    remaining = (
        _int(progress.get("seconds_remaining")) if progress.get("estimate_available") else None
    )
    hyper: dict[str, Any] = {
        "n_epochs": data.get("n_epochs"),
        "batch_size": data.get("batch_size"),
        "learning_rate": data.get("learning_rate"),
    }
    if method == "dpo" and isinstance(method_obj, dict):
        hyper["beta"] = method_obj.get("dpo_beta")
    training_type = data.get("training_type")
    status = STATUS_MAP.get(raw, raw)
    output = data.get("model_output_name")
    steps = [e for e in data.get("events") or [] if isinstance(e, dict)]
    step = max((e["step"] for e in steps if isinstance(e.get("step"), int)), default=None)
    total = max(
        (e["total_steps"] for e in steps if isinstance(e.get("total_steps"), int)), default=None
    )
    info = TogetherJobInfo(
        raw_status=raw,
        queue_depth=_int(data.get("queue_depth")),
        seconds_remaining=remaining,
        steps_completed=_int(data.get("steps_completed")) or step,
        total_steps=_int(data.get("total_steps")) or total,
        epochs_completed=_int(data.get("epochs_completed")),
        training_type=training_type.get("type") if isinstance(training_type, dict) else None,
        total_price=_int(data.get("total_price")),
        model_object_id=data.get("model_object_id") or None,
    )
    return Job(
        id=str(data["id"]),
        status=status,
        model=str(data.get("model") or ""),
        created_at=unix(data.get("created_at")) or 0,
        fine_tuned_model=str(output) if output and status == "succeeded" else None,
        finished_at=updated if status in ("succeeded", "failed", "cancelled") else None,
        estimated_finish=updated + remaining if updated and remaining else None,
        trained_tokens=_int(data.get("token_count")) if status == "succeeded" else None,
        method=method,
        hyperparameters={k: v for k, v in hyper.items() if v is not None},
        error=_error_of(data),
        training_file=str(data.get("training_file") or ""),
        validation_file=data.get("validation_file") or None,
        suffix=data.get("suffix") or None,
        extras=(info,),
    )


def _level(value: Any) -> str:
    text = str(value or "info").lower().removeprefix("legacy_")
    return {"iwarning": "warn", "warning": "warn", "ierror": "error"}.get(text, text)


def events_from(job_id: str, rows: list[Any]) -> list[JobEvent]:
    """Together's events (oldest first) as neutral message events; ids are stable positions."""
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        data = {
            k: row[k] for k in ("step", "total_steps", "checkpoint_path") if row.get(k) is not None
        }
        out.append(
            JobEvent(
                id=f"{job_id}-ev{i}",
                created_at=unix(row.get("created_at")) or 0,
                level=_level(row.get("level")),
                message=str(row.get("message") or row.get("type") or ""),
                type="message",
                data=data or None,
            )
        )
    return out


def metric_name(key: str) -> str:
    """``train/loss`` -> ``train_loss``, ``eval/loss`` -> ``valid_loss`` (OpenAI's names)."""
    head, _, tail = key.partition("/")
    if not tail:
        return key
    return f"{'valid' if head == 'eval' else head}_{tail}"


def metric_events(job_id: str, rows: list[Any], total_steps: int | None) -> list[JobEvent]:
    """Rows of ``GET /v1/fine-tunes/{id}/metrics`` as OpenAI-style ``metrics`` events."""
    out = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        step = row.get("train/global_step", row.get("global_step", row.get("step")))
        if not isinstance(step, int | float):
            continue
        data: dict[str, Any] = {"step": int(step)}
        if total_steps:
            data["total_steps"] = total_steps
        for key, value in row.items():
            name = metric_name(key)
            if name.endswith(("global_step", "timestamp")) or name == "step":
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                data[name] = float(value)
        out.append(
            JobEvent(
                id=f"{job_id}-m{int(step)}",
                created_at=unix(row.get("timestamp")) or 0,
                level="info",
                message=f"Step {int(step)}" + (f"/{total_steps}" if total_steps else ""),
                type="metrics",
                data=data,
            )
        )
    return out


def checkpoints_from(job_id: str, rows: list[Any]) -> list[Checkpoint]:
    """Together's checkpoints, newest step first; the model name is what an endpoint serves."""
    out = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("step"), int):
            continue
        step = int(row["step"])
        out.append(
            Checkpoint(
                id=f"{job_id}:{step}",
                step_number=step,
                fine_tuned_model_checkpoint=str(row.get("object_name") or f"{job_id}:{step}"),
                created_at=unix(row.get("created_at")) or 0,
                fine_tuning_job_id=job_id,
            )
        )
    return sorted(out, key=lambda c: c.step_number, reverse=True)


def estimate_from(data: Mapping[str, Any]) -> TogetherPriceEstimate:
    """A price estimate (or the reason there is none)."""
    if data.get("estimation_available") is False:
        return TogetherPriceEstimate(False, unavailable_reason=str(data.get("unavailable_reason")))
    return TogetherPriceEstimate(
        True,
        total_usd=data.get("estimated_total_price"),
        train_tokens=data.get("estimated_train_token_count"),
        eval_tokens=data.get("estimated_eval_token_count"),
        allowed_to_proceed=data.get("allowed_to_proceed"),
        user_limit_usd=data.get("user_limit"),
    )


def limits_from(data: Mapping[str, Any]) -> TogetherModelLimits:
    """A model's fine-tuning limits."""
    lora = data.get("lora_training") or {}
    full = data.get("full_training") or {}
    return TogetherModelLimits(
        model=str(data.get("model_name") or ""),
        max_seq_length_sft=int(data["max_seq_length_sft"]),
        max_seq_length_dpo=int(data["max_seq_length_dpo"]),
        min_max_seq_length=int(data.get("min_max_seq_length") or 0),
        lora_min_batch_size=int(lora.get("min_batch_size") or 1),
        lora_max_batch_size=int(lora.get("max_batch_size") or 0),
        lora_max_batch_size_dpo=int(lora.get("max_batch_size_dpo") or 0),
        lora_max_rank=int(lora.get("max_rank") or 0),
        lora_default_rank=_int(lora.get("default_rank")),
        full_min_batch_size=_int(full.get("min_batch_size")),
        full_max_batch_size=_int(full.get("max_batch_size")),
        max_epochs=int(data["max_num_epochs"]),
        max_checkpoints=int(data["max_num_checkpoints"]),
        max_evals=int(data["max_num_evals"]),
        min_learning_rate=float(data["min_learning_rate"]),
        max_learning_rate=float(data["max_learning_rate"]),
        supports_full_training=bool(data.get("supports_full_training")),
        supports_vision=bool(data.get("supports_vision")),
        supports_tools=bool(data.get("supports_tools")),
    )
