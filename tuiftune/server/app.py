"""The ASGI app: a local OpenAI-compatible API for files, fine-tuning, models and inference."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tuiftune.server.api import batches, chat, completions, files, jobs, models, uploads
from tuiftune.server.context import ServerContext
from tuiftune.server.errors import (
    APIError,
    handle_api_error,
    handle_http_exception,
    handle_unexpected,
)
from tuiftune.server.gateway import Gateway
from tuiftune.server.inference import Inference
from tuiftune.server.jobs import JobService
from tuiftune.server.options import ServerOptions
from tuiftune.server.simulated import SimulatedTrainer
from tuiftune.server.store import Store
from tuiftune.server.trainer import Trainer

__all__ = ["ServerOptions", "create_app"]

_JOB = "/v1/fine_tuning/jobs/{job_id}"

ROUTES = [
    Route("/v1/files", files.create_file, methods=["POST"]),
    Route("/v1/files", files.list_files, methods=["GET"]),
    Route("/v1/files/{file_id}", files.retrieve_file, methods=["GET"]),
    Route("/v1/files/{file_id}", files.delete_file, methods=["DELETE"]),
    Route("/v1/files/{file_id}/content", files.file_content, methods=["GET"]),
    Route("/v1/uploads", uploads.create_upload, methods=["POST"]),
    Route("/v1/uploads/{upload_id}/parts", uploads.add_part, methods=["POST"]),
    Route("/v1/uploads/{upload_id}/complete", uploads.complete_upload, methods=["POST"]),
    Route("/v1/uploads/{upload_id}/cancel", uploads.cancel_upload, methods=["POST"]),
    Route("/v1/fine_tuning/jobs", jobs.create_job, methods=["POST"]),
    Route("/v1/fine_tuning/jobs", jobs.list_jobs, methods=["GET"]),
    Route(_JOB, jobs.retrieve_job, methods=["GET"]),
    Route(f"{_JOB}/cancel", jobs.cancel_job, methods=["POST"]),
    Route(f"{_JOB}/pause", jobs.pause_job, methods=["POST"]),
    Route(f"{_JOB}/resume", jobs.resume_job, methods=["POST"]),
    Route(f"{_JOB}/events", jobs.list_events, methods=["GET"]),
    Route(f"{_JOB}/checkpoints", jobs.list_checkpoints, methods=["GET"]),
    Route("/v1/models", models.list_models, methods=["GET"]),
    Route("/v1/models/{model:path}", models.retrieve_model, methods=["GET"]),
    Route("/v1/models/{model:path}", models.delete_model, methods=["DELETE"]),
    Route("/v1/chat/completions", chat.chat_completions, methods=["POST"]),
    Route("/v1/completions", completions.completions, methods=["POST"]),
    *batches.ROUTES,
]


async def health(request: Request) -> Response:
    """Liveness probe outside ``/v1``: no key needed, never faulted."""
    return JSONResponse({"status": "ok"})


def create_app(options: ServerOptions | None = None, trainer: Trainer | None = None) -> Starlette:
    """Build the app; ``trainer`` defaults to the simulated one paced by ``step_seconds``."""
    options = options or ServerOptions()
    store = Store(options.state_dir)
    chosen: Trainer = trainer or SimulatedTrainer(options.step_seconds, options.org)
    job_service = JobService(store, chosen, options.clock, options.org, options.seed)
    app = Starlette(
        routes=[*ROUTES, Route("/health", health, methods=["GET"])],
        middleware=[Middleware(Gateway, options=options)],
        exception_handlers={
            APIError: handle_api_error,
            HTTPException: handle_http_exception,
            Exception: handle_unexpected,
        },
    )
    app.state.context = ServerContext(
        options, store, job_service, Inference(store, job_service, options.seed)
    )
    return app
