"""Which models can be prompted: the jobs backend's models and checkpoints, and the inference
endpoint's models when one is configured. Only service calls; no Textual here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import openai

from tuiftune.service.backends import OpenAIJobsBackend
from tuiftune.service.errors import ServiceError
from tuiftune.service.inference import ModelKind, classify_model, list_models
from tuiftune.service.jobs import JobsService
from tuiftune.ui.screens.playground_records import ModelChoice

if TYPE_CHECKING:
    from tuiftune.ui.app import Services

RECENT_JOBS = 20  # checkpoints are listed for this many recent succeeded jobs


async def _checkpoints(client: openai.AsyncOpenAI) -> list[str]:
    service = JobsService(OpenAIJobsBackend(client))
    names: list[str] = []
    page = await service.list_page(limit=RECENT_JOBS)
    for job in page.data:
        if job.status != "succeeded":
            continue
        for ckpt in await service.checkpoints(job.id):
            names.append(ckpt.fine_tuned_model_checkpoint)
    return names


async def load_catalog(services: Services) -> tuple[list[ModelChoice], list[str]]:
    """Every model to offer, fine-tuned first; and warnings about sources that failed."""
    found: dict[str, ModelChoice] = {}
    warnings: list[str] = []
    try:
        async with await services.jobs_client() as client:
            for entry in await list_models(client):
                found[entry.id] = ModelChoice(entry.id, entry.kind, "jobs")
            try:
                for name in await _checkpoints(client):
                    found.setdefault(name, ModelChoice(name, ModelKind.CHECKPOINT, "jobs"))
            except ServiceError as exc:  # a backend without checkpoints still lists models
                warnings.append(f"checkpoints: {exc}")
    except ServiceError as exc:
        warnings.append(f"jobs backend: {exc}")
    try:
        async with await services.inference_client() as client:
            # The same endpoint lists the same models: only new ones are marked as inference.
            for entry in await list_models(client):
                found.setdefault(entry.id, ModelChoice(entry.id, entry.kind, "inference"))
    except ServiceError as exc:
        warnings.append(f"inference endpoint: {exc}")
    order = {ModelKind.FINE_TUNED: 0, ModelKind.CHECKPOINT: 1, ModelKind.BASE: 2}
    models = sorted(found.values(), key=lambda m: order[m.kind])
    return models, warnings


def choice_for(name: str, models: list[ModelChoice]) -> ModelChoice:
    """The catalog entry for a model name, or a new one (a model the list does not show yet)."""
    for model in models:
        if model.id == name:
            return model
    kind, _ = classify_model(name)
    return ModelChoice(name, kind, "jobs")


async def client_for(services: Services, model: ModelChoice) -> openai.AsyncOpenAI:
    """The client that serves a model (the caller closes it)."""
    if model.source == "inference":
        return await services.inference_client()
    return await services.jobs_client()
