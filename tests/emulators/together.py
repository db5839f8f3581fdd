# mypy: disable-error-code="import-not-found"
"""A local emulator of Together AI's fine-tuning and files API, built from the ``together`` SDK.

Every request body is validated into the SDK's request model (``FinetuneRequest``, the
estimate-price params) and every reply into its response model, strictly (no unknown key).
A job moves one stage each time it is read (no clock, no sleeps): pending -> queued ->
running (one step per read) -> compressing -> uploading -> completed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.emulators.base import FaultLayer, error, reply
from tests.emulators.contract import strict
from tests.emulators.together_endpoints import EndpointsState
from tests.emulators.together_limits import model_limits

BASE_URL = "https://api.together.test"
UPLOAD_HOST = "https://uploads.together.test"
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STAGES = ("pending", "queued", "running", "compressing", "uploading", "completed")
STAGE_EVENTS = {
    "queued": "job_pending",
    "running": "job_start",
    "compressing": "model_compressing",
    "uploading": "model_uploading",
    "completed": "job_complete",
}


def _iso(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


@dataclass
class EmuJob:
    """One job's state."""

    id: str
    request: dict[str, Any]
    created: int
    status: str = "pending"
    step: int = 0
    total_steps: int = 4
    events: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, float]] = field(default_factory=list)
    fail_at_step: int | None = None
    reads: int = 0


class TogetherEmulator:
    """State and routes; ``app`` is the ASGI app (with fault injection and a request log)."""

    def __init__(self, *, total_steps: int = 4) -> None:
        self.jobs: dict[str, EmuJob] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.blobs: dict[str, bytes] = {}
        self.total_steps = total_steps
        self.fail_next_job_at: int | None = None
        self.unknown_status: str | None = None
        self._ids = itertools.count(1)
        self._clock = itertools.count(0, 5)
        routes = [
            Route("/v1/files", self.upload_url, methods=["POST"]),
            Route("/v1/files", self.list_files, methods=["GET"]),
            Route("/put/{file_id}", self.put_blob, methods=["PUT"]),
            Route("/v1/files/{file_id}/preprocess", self.preprocess, methods=["POST"]),
            Route("/v1/files/{file_id}", self.get_file, methods=["GET"]),
            Route("/v1/files/{file_id}/content", self.file_content, methods=["GET"]),
            Route("/v1/fine-tunes/models/limits", self.limits, methods=["GET"]),
            Route("/v1/fine-tunes/estimate-price", self.estimate, methods=["POST"]),
            Route("/v1/fine-tunes", self.create, methods=["POST"]),
            Route("/v1/fine-tunes", self.list_jobs, methods=["GET"]),
            Route("/v1/fine-tunes/{job_id}", self.retrieve, methods=["GET"]),
            Route("/v1/fine-tunes/{job_id}/cancel", self.cancel, methods=["POST"]),
            Route("/v1/fine-tunes/{job_id}/events", self.events, methods=["GET"]),
            Route("/v1/fine-tunes/{job_id}/checkpoints", self.checkpoints, methods=["GET"]),
            Route("/v1/fine-tunes/{job_id}/metrics", self.metrics, methods=["GET"]),
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
        ]
        self.endpoints = EndpointsState()
        routes += self.endpoints.routes()
        self.faults = FaultLayer(Starlette(routes=routes))
        self.app = self.faults

    # -- files -------------------------------------------------------------------------------
    async def upload_url(self, request: Request) -> Response:
        form = await request.form()
        fields = {k: str(v) for k, v in form.items()}
        if set(fields) != {"purpose", "file_name", "file_type", "checksum"}:
            return error(400, f"unexpected form fields {sorted(fields)}")
        for ref in self.files.values():
            if ref["_checksum"] == fields["checksum"]:
                return Response(
                    b'{"file_id": "%s"}' % ref["id"].encode(),
                    status_code=409,
                    media_type="application/json",
                )
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = {
            "id": file_id,
            "bytes": 0,
            "created_at": next(self._clock),
            "filename": fields["file_name"],
            "FileType": fields["file_type"],
            "object": "file",
            "purpose": fields["purpose"],
            "_checksum": fields["checksum"],
        }
        headers = {"Location": f"{UPLOAD_HOST}/put/{file_id}", "X-Together-File-Id": file_id}
        return Response(status_code=302, headers=headers)

    async def put_blob(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        if "authorization" in request.headers:
            return error(400, "a presigned URL must not receive the API key")
        self.blobs[file_id] = await request.body()
        return Response(status_code=200)

    def _file(self, file_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.files[file_id].items() if not k.startswith("_")}

    async def preprocess(self, request: Request) -> Response:
        from together.types import FileResponse

        file_id = request.path_params["file_id"]
        if file_id not in self.blobs:
            return error(404, f"no upload for {file_id}")
        ref = self.files[file_id]
        ref.update(bytes=len(self.blobs[file_id]), processing_status="COMPLETED")
        return reply(FileResponse, self._file(file_id))

    async def get_file(self, request: Request) -> Response:
        from together.types import FileResponse

        file_id = request.path_params["file_id"]
        if file_id not in self.files:
            return error(404, f"file {file_id} not found")
        return reply(FileResponse, self._file(file_id))

    async def list_files(self, request: Request) -> Response:
        from together.types import FileList

        return reply(FileList, {"data": [self._file(f) for f in self.files]})

    async def file_content(self, request: Request) -> Response:
        return Response(self.blobs.get(request.path_params["file_id"], b""))

    # -- fine-tunes --------------------------------------------------------------------------
    async def limits(self, request: Request) -> Response:
        from together.types import FinetuneModelLimits

        model = request.query_params.get("model_name", "")
        if not model.startswith("meta-llama/"):
            return error(404, f"model {model} is not available for fine-tuning")
        return reply(FinetuneModelLimits, self.limits_json(model))

    # The limits of every model this emulator knows (tests read them too).
    limits_json = staticmethod(model_limits)

    async def estimate(self, request: Request) -> Response:
        from together.types import FineTuningEstimatePriceResponse
        from together.types.fine_tuning_estimate_price_params import (
            FineTuningEstimatePriceParams,
        )

        body = await request.json()
        strict(FineTuningEstimatePriceParams, body)
        if body["training_file"] not in self.files:
            data: dict[str, Any] = {
                "estimation_available": False,
                "unavailable_reason": "train_file_not_validated",
            }
        else:
            tokens = 1000.0 * body.get("n_epochs", 1)
            data = {
                "estimation_available": True,
                "allowed_to_proceed": True,
                "estimated_total_price": round(tokens * 0.000003, 6),
                "estimated_train_token_count": tokens,
                "estimated_eval_token_count": 0.0,
                "user_limit": 100.0,
            }
        return reply(FineTuningEstimatePriceResponse, data)

    async def create(self, request: Request) -> Response:
        from together.lib.types.fine_tuning import FinetuneRequest
        from together.types import FinetuneResponse

        body = await request.json()
        strict(FinetuneRequest, body)
        if body["training_file"] not in self.files:
            return error(
                400, f"training_file {body['training_file']} does not exist", param="training_file"
            )
        job = EmuJob(
            f"ft-{next(self._ids):04d}", body, next(self._clock), total_steps=self.total_steps
        )
        job.fail_at_step, self.fail_next_job_at = self.fail_next_job_at, None
        self.jobs[job.id] = job
        self._event(job, "job_pending", "Fine tune request created")
        # The reply is checked against the generated model (the OpenAPI spec's): the SDK's
        # hand-written ``lib`` model that ``create`` casts to lags it (upper-case event types,
        # no ``"max"`` batch size) and the SDK casts leniently.
        return reply(FinetuneResponse, self.job_json(job))

    def _event(self, job: EmuJob, kind: str, message: str, level: str = "info", **kw: Any) -> None:
        job.events.append(
            {
                "object": "fine-tune-event",
                "created_at": _iso(next(self._clock)),
                "message": message,
                "type": kind,
                "level": level,
                **kw,
            }
        )

    def job_json(self, job: EmuJob) -> dict[str, Any]:
        """The job as ``together.types.FinetuneResponse``."""
        body = job.request
        done = job.status == "completed"
        data: dict[str, Any] = {
            "id": job.id,
            "status": self.unknown_status or job.status,
            "user_id": "user-1",
            "created_at": _iso(job.created),
            "updated_at": _iso(next(self._clock)),
            "model": body.get("model"),
            "training_file": body["training_file"],
            "validation_file": body.get("validation_file"),
            "n_epochs": body["n_epochs"],
            "n_checkpoints": body.get("n_checkpoints"),
            "n_evals": body.get("n_evals"),
            # The server reports the batch size it resolved "max" to.
            "batch_size": 32 if body.get("batch_size") in (None, "max") else body["batch_size"],
            "learning_rate": body["learning_rate"],
            "training_method": body["training_method"],
            "training_type": body.get("training_type")
            or {"type": "Lora", "lora_r": 16, "lora_alpha": 32},
            "queue_depth": 3 if job.status == "queued" else None,
            "model_output_name": f"user/{body.get('model', 'm').split('/')[-1]}-{job.id}"
            if done
            else None,
            "token_count": 4000 if done else None,
            "progress": {"estimate_available": job.status == "running", "seconds_remaining": 60},
            "events": job.events,
        }
        return {k: v for k, v in data.items() if v is not None}

    def advance(self, job: EmuJob) -> None:
        """Move the job one stage (one step while running)."""
        if job.status in ("completed", "error", "cancelled"):
            return
        if job.status == "cancel_requested":
            job.status = "cancelled"
            self._event(job, "job_stopped", "Job cancelled")
        elif job.status == "running" and job.step < job.total_steps:
            job.step += 1
            if job.fail_at_step == job.step:
                job.status = "error"
                self._event(job, "job_error", f"CUDA out of memory at step {job.step}", "error")
                return
            loss = round(2.0 / job.step, 4)
            job.metrics.append({"train/global_step": float(job.step), "train/loss": loss})
            if job.step == job.total_steps:
                job.metrics[-1]["eval/loss"] = round(loss * 1.1, 4)
                self._event(
                    job,
                    "checkpoint_save",
                    "Checkpoint saved",
                    step=job.step,
                    total_steps=job.total_steps,
                )
        else:
            job.status = STAGES[STAGES.index(job.status) + 1]
            kind = STAGE_EVENTS[job.status]
            self._event(job, kind, f"Job {job.status}", total_steps=job.total_steps)

    def _job(self, request: Request) -> EmuJob | None:
        return self.jobs.get(request.path_params["job_id"])

    async def retrieve(self, request: Request) -> Response:
        from together.types import FinetuneResponse

        job = self._job(request)
        if job is None:
            return error(404, "job not found")
        self.advance(job)
        if self.unknown_status:  # newer than the SDK, whose model would refuse it
            return JSONResponse(self.job_json(job))
        return reply(FinetuneResponse, self.job_json(job))

    async def list_jobs(self, request: Request) -> Response:
        from together.types import FineTuningListResponse

        rows = []
        for job in self.jobs.values():
            row = self.job_json(job)
            for key in (
                "events",
                "total_steps",
                "steps_completed",
                "model_output_name",
                "token_count",
                "n_checkpoints",
            ):
                row.pop(key, None)
            rows.append(row)
        return reply(FineTuningListResponse, {"data": rows})

    async def cancel(self, request: Request) -> Response:
        from together.types import FineTuningCancelResponse

        job = self._job(request)
        if job is None:
            return error(404, "job not found")
        if job.status in ("completed", "error", "cancelled"):
            return error(400, f"job is already {job.status}")
        job.status = "cancel_requested"
        self._event(job, "cancel_requested", "Cancel requested")
        row = self.job_json(job)
        keep = FineTuningCancelResponse.model_fields
        aliases = {f.alias or k for k, f in keep.items()}
        return reply(FineTuningCancelResponse, {k: v for k, v in row.items() if k in aliases})

    async def events(self, request: Request) -> Response:
        from together.types import FineTuningListEventsResponse

        job = self._job(request)
        if job is None:
            return error(404, "job not found")
        return reply(FineTuningListEventsResponse, {"data": job.events})

    async def metrics(self, request: Request) -> Response:
        from together.types import FineTuningListMetricsResponse

        job = self._job(request)
        if job is None:
            return error(404, "job not found")
        return reply(FineTuningListMetricsResponse, {"metrics": job.metrics})

    async def checkpoints(self, request: Request) -> Response:
        from together.types import FineTuningListCheckpointsResponse

        job = self._job(request)
        if job is None:
            return error(404, "job not found")
        rows = []
        if job.status == "completed":
            rows.append(
                {
                    "checkpoint_type": f"Final checkpoint (step {job.step})",
                    "created_at": _iso(next(self._clock)),
                    "path": f"s3://together/{job.id}/final",
                    "step": job.step,
                    "checkpoint": "adapter",
                    "object_name": f"user/{job.id}-step-{job.step}",
                }
            )
        return reply(FineTuningListCheckpointsResponse, {"data": rows})

    async def chat(self, request: Request) -> Response:
        from openai.types.chat import ChatCompletion

        body = await request.json()
        text = f"echo from {body['model']}: {body['messages'][-1]['content']}"
        data = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": text},
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
        }
        return reply(ChatCompletion, data)
