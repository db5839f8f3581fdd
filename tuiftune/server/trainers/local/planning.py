"""POST-time checks of a local job: hyperparameters by the engine's own (torch-free) rules, files
by the dataset core; then the resolved plan, shown on the job from the start."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuiftune.server.errors import invalid
from tuiftune.server.records import JobRecord, TrainingPlan
from tuiftune.server.trainers.base import TrainingFile
from tuiftune.server.trainers.local_engine import hyperparams
from tuiftune.server.validation import FileCheck, check_file

FORMATS = {"supervised": ("chat", "legacy"), "dpo": ("dpo",)}


@dataclass(frozen=True)
class LocalPlan:
    """The seam's plan and the engine's fully resolved hyperparameters."""

    plan: TrainingPlan
    resolved: dict[str, Any]


def context_length(folder: Path) -> int | None:
    """The model's context length from its config.json (blocking)."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        if isinstance(config.get(key), int):
            return int(config[key])
    return None


def check_hyperparameters(method: str, raw: dict[str, Any]) -> None:
    """Raise a 400 naming the first bad hyperparameter."""
    problems = hyperparams.validate(raw, method)
    if problems:
        raise invalid(problems[0], param=f"method.{method}.hyperparameters")


async def plan_job(
    job: JobRecord,
    training: TrainingFile,
    validation: TrainingFile | None,
    folder: Path,
) -> LocalPlan:
    """Check the files and resolve ``auto``; file problems go in the plan (the job fails)."""
    check_hyperparameters(job.method, dict(job.hyperparameters))
    formats = FORMATS.get(job.method)
    if formats is None:
        raise invalid(
            f"The local trainer runs supervised and dpo jobs, not {job.method}.", param="method"
        )
    checked = await check_file(training, job.model, job.method, "training", formats)
    if not isinstance(checked, FileCheck):
        return LocalPlan(TrainingPlan(error=checked), {})
    if validation is not None:
        valid = await check_file(validation, job.model, job.method, "validation", formats)
        if not isinstance(valid, FileCheck):
            return LocalPlan(TrainingPlan(error=valid), {})
    limit = await asyncio.to_thread(context_length, folder)
    raw = {**job.hyperparameters}
    raw.setdefault("seed", job.seed)
    resolved = hyperparams.resolve(job.method, raw, checked.examples, limit)
    plan = TrainingPlan(
        error=None,
        examples=checked.examples,
        tokens_per_epoch=checked.tokens,
        n_epochs=int(resolved["n_epochs"]),
        batch_size=int(resolved["batch_size"]),
        learning_rate_multiplier=float(resolved["learning_rate_multiplier"]),
        beta=float(resolved["beta"]) if "beta" in resolved else None,
        total_steps=int(resolved["total_steps"]),
        has_validation=validation is not None,
        format=checked.format,
    )
    return LocalPlan(plan, resolved)
