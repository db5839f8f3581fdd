"""The model catalog: every model the Playground and Eval can prompt, from any provider.

The inference endpoint's model list, plus the fine-tuned models and checkpoints of the recent
succeeded jobs (fetched concurrently, a few at a time). A source that fails becomes a warning,
not an empty catalog.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tuiftune.dataset.model_names import is_legacy_model
from tuiftune.service.errors import ServiceError
from tuiftune.service.evals_replies import SHAPE_ERRORS, malformed
from tuiftune.service.inference import sort_models
from tuiftune.service.providers.base import JobsProvider, Provider
from tuiftune.service.types import ModelInfo, ModelKind, classify_model

RECENT_JOBS = 20  # checkpoints are listed for this many recent succeeded jobs
CHECKPOINT_CALLS = 4  # checkpoint lists fetched at the same time
_ORDER = {ModelKind.FINE_TUNED: 0, ModelKind.CHECKPOINT: 1, ModelKind.BASE: 2}


@dataclass(frozen=True)
class ModelChoice:
    """A model the Playground or Eval can prompt."""

    id: str
    kind: ModelKind
    retires_at: int | None = None

    @property
    def legacy(self) -> bool:
        """Prompt/completion rather than chat."""
        return is_legacy_model(self.id)

    @property
    def base(self) -> str | None:
        """The base model of a fine-tuned model or checkpoint."""
        return classify_model(self.id)[1]

    def label(self, now: float | None = None) -> str:
        """How a picker lists it; with ``now``, a retirement badge with the days left."""
        from tuiftune.service.retirement import badge

        retires = badge(self.retires_at, now) if now is not None else ""
        notes = f"{self.kind.value}{', legacy' if self.legacy else ''}"
        return f"{self.id}  ({notes}{', ' + retires if retires else ''})"


@dataclass
class Catalog:
    """The models on offer, fine-tuned first, and what could not be listed."""

    models: list[ModelChoice] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def choice(self, name: str) -> ModelChoice:
        """The entry for a model name, or a new one (a model the list does not show yet)."""
        return choice_for(name, self.models)


def choice_for(name: str, models: Sequence[ModelChoice]) -> ModelChoice:
    """The catalog entry for a model name, or a new one classified from the name."""
    for model in models:
        if model.id == name:
            return model
    return ModelChoice(name, classify_model(name)[0])


async def _job_models(jobs: JobsProvider) -> list[str]:
    """Fine-tuned models and checkpoints of the recent succeeded jobs, newest job first."""
    page = await jobs.list(limit=RECENT_JOBS)
    succeeded = [job for job in page.data if job.status == "succeeded"]
    gate = asyncio.Semaphore(CHECKPOINT_CALLS)

    async def checkpoints(job_id: str) -> list[str]:
        async with gate:
            found = await jobs.list_checkpoints(job_id)
        return [c.fine_tuned_model_checkpoint for c in found.data]

    per_job = await asyncio.gather(*(checkpoints(job.id) for job in succeeded))
    names: list[str] = []
    for job, ckpts in zip(succeeded, per_job, strict=True):
        if job.fine_tuned_model:
            names.append(job.fine_tuned_model)
        names += ckpts
    return names


def _entry(info: ModelInfo, dates: _Dates) -> ModelChoice:
    # The table first: the config file may have moved a date the provider's list carries.
    retires = dates(info.base_model or info.id) or info.retires_at
    return ModelChoice(info.id, info.kind, retires)


_Dates = Callable[[str], "int | None"]


async def _retirements(provider: Provider, catalog: Catalog) -> _Dates:
    """The provider's stated retirement dates (OpenAI's, Azure's; the config file over them)."""
    from tuiftune.config import ConfigError
    from tuiftune.service.retirement import calendar_for, load_retirements

    calendar = calendar_for(provider.name, provider.label)
    if calendar is None:
        return lambda model: None
    try:
        table = await asyncio.to_thread(load_retirements)
    except ConfigError as exc:
        catalog.warnings.append(f"retirement dates: {exc}")
        return lambda model: None
    return lambda model: table.retires_at(calendar, model)


def sort_choices(models: Sequence[ModelChoice]) -> list[ModelChoice]:
    """Fine-tuned first, then checkpoints, then base models (stable within each kind)."""
    return sorted(models, key=lambda m: _ORDER[m.kind])


async def load_catalog(provider: Provider) -> Catalog:
    """Every model to offer; the model list and the jobs are fetched at the same time."""
    listed, from_jobs = await asyncio.gather(
        provider.inference.list_models(), _job_models(provider.jobs), return_exceptions=True
    )
    catalog = Catalog()
    dates = await _retirements(provider, catalog)
    found: dict[str, ModelChoice] = {}
    if isinstance(listed, BaseException):
        _warn(catalog, "models", listed)
    else:
        for info in sort_models(listed):
            found[info.id] = _entry(info, dates)
    if isinstance(from_jobs, BaseException):
        _warn(catalog, "checkpoints", from_jobs)
    else:
        for name in from_jobs:
            found.setdefault(name, ModelChoice(name, classify_model(name)[0], dates(name)))
    catalog.models = sort_choices(list(found.values()))
    return catalog


def _warn(catalog: Catalog, what: str, exc: BaseException) -> None:
    if isinstance(exc, SHAPE_ERRORS):
        exc = malformed(exc)  # an HTML page behind a proxy, not a bug of ours
    if not isinstance(exc, ServiceError):
        raise exc
    catalog.warnings.append(f"{what}: {exc}")


def default_playground_models(models: Sequence[ModelChoice]) -> list[str]:
    """The newest model on offer (fine-tuned, when there is one) and the base it was tuned from."""
    if not models:
        return []
    first = models[0]
    base = first.base
    return [first.id, base] if base and base != first.id else [first.id]


def default_eval_models(models: Sequence[ModelChoice]) -> list[str]:
    """Eval's default comparison: the newest fine-tuned model (B) against its base model (A)."""
    tuned = next((m for m in models if m.kind is ModelKind.FINE_TUNED), None)
    if tuned is None:
        return []
    base = tuned.base
    return [base, tuned.id] if base else [tuned.id]
