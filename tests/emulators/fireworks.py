# mypy: disable-error-code="import-not-found"
"""A local emulator of Fireworks' datasets, supervised fine-tuning jobs, deployments and
inference, built from the ``fireworks-ai`` SDK's models.

Replies (and job/deployment bodies, which share the resource's camelCase fields) validate
strictly into the SDK's models and page types. A dataset is READY one read after its upload; a
job moves one state per read: CREATING -> VALIDATING -> RUNNING (0, 50, 100 %) -> COMPLETED.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.emulators.base import FaultLayer, error, reply
from tests.emulators.contract import strict

BASE_URL = "https://api.fireworks.test"
ACCOUNT = "acme"
A = f"/v1/accounts/{ACCOUNT}"


def _t(n: int) -> str:
    return f"2026-12-01T12:{n // 60 % 60:02d}:{n % 60:02d}Z"


@dataclass
class EmuJob:
    """One job's state."""

    body: dict[str, Any]
    name: str
    created: int
    steps: list[tuple[str, int | None]] = field(
        default_factory=lambda: [
            ("JOB_STATE_CREATING", None),
            ("JOB_STATE_VALIDATING", None),
            ("JOB_STATE_RUNNING", 0),
            ("JOB_STATE_RUNNING", 50),
            ("JOB_STATE_RUNNING", 100),
            ("JOB_STATE_COMPLETED", 100),
        ]
    )
    at: int = 0
    fail: bool = False
    cancelled: bool = False


class FireworksEmulator:
    """State and routes; ``app`` is the ASGI app with fault injection and a request log."""

    def __init__(self) -> None:
        self.datasets: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.jobs: dict[str, EmuJob] = {}
        self.deployments: dict[str, dict[str, Any]] = {}
        self.fail_next_job = False
        self._ids = itertools.count(1)
        self._clock = itertools.count(0, 7)
        routes = [
            Route(f"{A}/datasets", self.create_dataset, methods=["POST"]),
            Route(f"{A}/datasets", self.list_datasets, methods=["GET"]),
            Route(f"{A}/datasets/{{ds}}:upload", self.upload, methods=["POST"]),
            Route(f"{A}/datasets/{{ds}}", self.get_dataset, methods=["GET"]),
            Route(f"{A}/supervisedFineTuningJobs", self.create_job, methods=["POST"]),
            Route(f"{A}/supervisedFineTuningJobs", self.list_jobs, methods=["GET"]),
            Route(f"{A}/supervisedFineTuningJobs/{{job}}:cancel", self.cancel, methods=["POST"]),
            Route(f"{A}/supervisedFineTuningJobs/{{job}}", self.get_job, methods=["GET"]),
            Route(f"{A}/deployments", self.create_deployment, methods=["POST"]),
            Route(f"{A}/deployments", self.list_deployments, methods=["GET"]),
            Route(f"{A}/deployments/{{dep}}", self.get_deployment, methods=["GET"]),
            Route(f"{A}/deployments/{{dep}}", self.delete_deployment, methods=["DELETE"]),
            Route("/inference/v1/chat/completions", self.chat, methods=["POST"]),
        ]
        self.faults = FaultLayer(Starlette(routes=routes))
        self.app = self.faults

    # -- datasets ----------------------------------------------------------------------------
    async def create_dataset(self, request: Request) -> Response:
        from fireworks.types import Dataset

        body = await request.json()
        if set(body) - {"datasetId", "dataset", "sourceDatasetId"} or "datasetId" not in body:
            return error(400, f"unexpected fields {sorted(body)}")
        strict(Dataset, body["dataset"])
        ds_id = body["datasetId"]
        if ds_id in self.datasets:
            return error(409, f"dataset {ds_id} already exists", code=6, grpc="ALREADY_EXISTS")
        data = {
            **body["dataset"],
            "name": f"accounts/{ACCOUNT}/datasets/{ds_id}",
            "state": "UPLOADING",
            "createTime": _t(next(self._clock)),
            "format": "CHAT",
        }
        self.datasets[ds_id] = data
        return reply(Dataset, data)

    async def upload(self, request: Request) -> Response:
        from fireworks.types import DatasetUploadResponse

        ds_id = request.path_params["ds"]
        if ds_id not in self.datasets:
            return error(404, f"dataset {ds_id} not found")
        form = await request.form()
        file = form.get("file")
        if file is None or isinstance(file, str):
            return error(400, "a multipart 'file' is required")
        data = await file.read()
        self.uploads[ds_id] = data
        return reply(DatasetUploadResponse, {"filename": file.filename, "bytes": len(data)})

    async def get_dataset(self, request: Request) -> Response:
        from fireworks.types import Dataset

        ds = self.datasets.get(request.path_params["ds"])
        if ds is None:
            return error(404, "dataset not found")
        if ds["state"] == "UPLOADING" and request.path_params["ds"] in self.uploads:
            ds["state"] = "READY"
        return reply(Dataset, ds)

    async def list_datasets(self, request: Request) -> Response:
        from fireworks.pagination import AsyncCursorDatasets
        from fireworks.types import Dataset

        return reply(AsyncCursorDatasets[Dataset], {"datasets": list(self.datasets.values())})

    # -- jobs --------------------------------------------------------------------------------
    def job_json(self, job: EmuJob) -> dict[str, Any]:
        """The job as ``fireworks.types.SupervisedFineTuningJob``."""
        state, pct = ("JOB_STATE_CANCELLED", None) if job.cancelled else job.steps[job.at]
        data: dict[str, Any] = {
            **job.body,
            "name": job.name,
            "state": state,
            "createTime": _t(job.created),
            "estimatedCost": {"currencyCode": "USD", "units": "2", "nanos": 500000000},
        }
        if pct is not None:
            data["jobProgress"] = {"percent": pct, "epoch": 0}
        if state == "JOB_STATE_COMPLETED":
            data["outputModel"] = (
                job.body.get("outputModel")
                or f"accounts/{ACCOUNT}/models/{job.name.rsplit('/', 1)[-1]}"
            )
            data["completedTime"] = _t(job.created + 60)
        if state == "JOB_STATE_FAILED":
            data["status"] = {
                "code": "INVALID_ARGUMENT",
                "message": "dataset row 3: messages is empty",
            }
        return data

    async def create_job(self, request: Request) -> Response:
        from fireworks.types import SupervisedFineTuningJob

        body = await request.json()
        strict(SupervisedFineTuningJob, body)  # the create body uses the resource's fields
        ds_id = body["dataset"].rsplit("/", 1)[-1]
        if self.datasets.get(ds_id, {}).get("state") != "READY":
            return error(
                400, f"dataset {body['dataset']} is not READY", code=9, grpc="FAILED_PRECONDITION"
            )
        job_id = (
            request.query_params.get("supervisedFineTuningJobId") or f"sftj-{next(self._ids):03d}"
        )
        job = EmuJob(
            body, f"accounts/{ACCOUNT}/supervisedFineTuningJobs/{job_id}", next(self._clock)
        )
        if self.fail_next_job:
            self.fail_next_job = False
            job.steps = [
                ("JOB_STATE_CREATING", None),
                ("JOB_STATE_VALIDATING", None),
                ("JOB_STATE_FAILED", None),
            ]
        self.jobs[job_id] = job
        return reply(SupervisedFineTuningJob, self.job_json(job))

    async def get_job(self, request: Request) -> Response:
        from fireworks.types import SupervisedFineTuningJob

        job = self.jobs.get(request.path_params["job"])
        if job is None:
            return error(404, "job not found", code=5, grpc="NOT_FOUND")
        data = self.job_json(job)
        job.at = min(job.at + 1, len(job.steps) - 1)
        return reply(SupervisedFineTuningJob, data)

    async def list_jobs(self, request: Request) -> Response:
        from fireworks.pagination import AsyncCursorSupervisedFineTuningJobs
        from fireworks.types import SupervisedFineTuningJob

        size = int(request.query_params.get("pageSize", "50"))
        start = int(request.query_params.get("pageToken") or 0)
        newest = sorted(self.jobs.values(), key=lambda j: j.created, reverse=True)
        data: dict[str, Any] = {
            "supervisedFineTuningJobs": [self.job_json(j) for j in newest[start : start + size]]
        }
        if start + size < len(newest):
            data["nextPageToken"] = str(start + size)
        return reply(AsyncCursorSupervisedFineTuningJobs[SupervisedFineTuningJob], data)

    async def cancel(self, request: Request) -> Response:
        job = self.jobs.get(request.path_params["job"])
        if job is None:
            return error(404, "job not found", code=5, grpc="NOT_FOUND")
        job.cancelled = True
        return JSONResponse({})

    # -- deployments -------------------------------------------------------------------------
    async def create_deployment(self, request: Request) -> Response:
        from fireworks.types import Deployment

        body = await request.json()
        strict(Deployment, body)
        dep_id = request.query_params.get("deploymentId") or f"dep-{next(self._ids)}"
        data = {
            **body,
            "name": f"accounts/{ACCOUNT}/deployments/{dep_id}",
            "state": "CREATING",
            "replicaCount": 0,
        }
        self.deployments[dep_id] = data
        return reply(Deployment, data)

    async def get_deployment(self, request: Request) -> Response:
        from fireworks.types import Deployment

        dep = self.deployments.get(request.path_params["dep"])
        if dep is None:
            return error(404, "deployment not found", code=5, grpc="NOT_FOUND")
        shown = dict(dep)
        dep["state"] = "READY"
        return reply(Deployment, shown)

    async def list_deployments(self, request: Request) -> Response:
        from fireworks.pagination import AsyncCursorDeployments
        from fireworks.types import Deployment

        return reply(
            AsyncCursorDeployments[Deployment], {"deployments": list(self.deployments.values())}
        )

    async def delete_deployment(self, request: Request) -> Response:
        if self.deployments.pop(request.path_params["dep"], None) is None:
            return error(404, "deployment not found", code=5, grpc="NOT_FOUND")
        return JSONResponse({})

    async def chat(self, request: Request) -> Response:
        from openai.types.chat import ChatCompletion

        body = await request.json()
        model = body["model"]
        ready = {d["baseModel"] for d in self.deployments.values() if d["state"] == "READY"}
        if model.split("#")[0] not in ready:
            return error(404, f"Model not found, inaccessible, and/or not deployed: {model}")
        data = {
            "id": "cmpl-fw",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "fw says hi"},
                }
            ],
        }
        return reply(ChatCompletion, data)
