"""A local emulator of Nebius Token Factory's fine-tuning jobs: OpenAI's protocol (replies
checked strictly against the ``openai`` SDK's ``FineTuningJob``) with Nebius' hyperparameter
names in requests (checked against the keys Nebius documents)."""

from __future__ import annotations

import itertools
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.emulators.base import FaultLayer, error, reply

BASE_URL = "https://api.tokenfactory.nebius.test/v1"
# The hyperparameters Nebius' API reference lists for method.supervised.hyperparameters.
HYPERPARAMETERS = frozenset(
    {
        "batch_size",
        "learning_rate",
        "n_epochs",
        "warmup_ratio",
        "weight_decay",
        "packing",
        "max_grad_norm",
        "context_length",
        "lora",
        "lora_r",
        "lora_alpha",
        "lora_dropout",
    }
)


class NebiusEmulator:
    """Create, list and retrieve jobs; ``bodies`` keeps every create body."""

    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}
        self.bodies: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        routes = [
            Route("/v1/fine_tuning/jobs", self.create, methods=["POST"]),
            Route("/v1/fine_tuning/jobs/{job}", self.retrieve, methods=["GET"]),
        ]
        self.faults = FaultLayer(Starlette(routes=routes))
        self.app = self.faults

    async def create(self, request: Request) -> Response:
        from openai.types.fine_tuning import FineTuningJob

        body = await request.json()
        self.bodies.append(body)
        method = body.get("method") or {}
        params = (method.get(method.get("type") or "", {}) or {}).get("hyperparameters") or {}
        unknown = set(params) - HYPERPARAMETERS
        if unknown:
            return error(400, f"unknown hyperparameters {sorted(unknown)}", param="hyperparameters")
        job_id = f"ftjob-{next(self._ids)}"
        self.jobs[job_id] = {
            "id": job_id,
            "object": "fine_tuning.job",
            "created_at": 1764590400,
            "model": body["model"],
            "status": "validating_files",
            "training_file": body["training_file"],
            "validation_file": body.get("validation_file"),
            "fine_tuned_model": None,
            "finished_at": None,
            "error": None,
            "hyperparameters": {"n_epochs": params.get("n_epochs", "auto")},
            "organization_id": "org-nebius",
            "result_files": [],
            "seed": body.get("seed", 42),
            "trained_tokens": None,
        }
        return reply(FineTuningJob, self.jobs[job_id])

    async def retrieve(self, request: Request) -> Response:
        from openai.types.fine_tuning import FineTuningJob

        job = self.jobs.get(request.path_params["job"])
        if job is None:
            return error(404, "job not found")
        return reply(FineTuningJob, job)
