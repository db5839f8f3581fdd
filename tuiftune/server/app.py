"""The ASGI app: a local OpenAI-compatible API for files, fine-tuning, models and inference."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tuiftune.server.api import (
    batches,
    chat,
    completions,
    embeddings,
    files,
    jobs,
    models,
    uploads,
)
from tuiftune.server.background import Background
from tuiftune.server.context import ServerContext
from tuiftune.server.errors import (
    APIError,
    handle_api_error,
    handle_http_exception,
    handle_unexpected,
)
from tuiftune.server.gateway import Gateway
from tuiftune.server.jobs import JobService
from tuiftune.server.options import ServerOptions
from tuiftune.server.store import Store
from tuiftune.server.trainers.base import Trainer, TrainerHost
from tuiftune.server.trainers.simulated import SimulatedTrainer

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
    Route("/v1/embeddings", embeddings.create_embeddings, methods=["POST"]),
    *batches.ROUTES,
]


async def health(request: Request) -> Response:
    """Liveness probe outside ``/v1``: no key needed, never faulted."""
    return JSONResponse({"status": "ok"})


class StateReload:
    """ASGI middleware: refresh the store from its state folder before each request."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.store.refresh()
        await self.app(scope, receive, send)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Startup: the trainer picks up unfinished jobs. Shutdown: it stops, then every task."""
    ctx: ServerContext = app.state.context
    await ctx.trainer.restore(list(ctx.store.jobs.values()))
    try:
        yield
    finally:
        try:
            await ctx.trainer.close()
        finally:
            await ctx.background.aclose()


def create_app(options: ServerOptions | None = None, trainer: Trainer | None = None) -> Starlette:
    """Build the app; ``trainer`` defaults to the simulated one paced by ``step_seconds``.

    Long-lived work (a real trainer's runs) starts and stops with the app's lifespan: run it
    under a server (uvicorn) or ``tuiftune.server.sandbox.serving``.
    """
    options = options or ServerOptions()
    store = Store(options.state_dir)
    chosen: Trainer = trainer or SimulatedTrainer(options.step_seconds, options.org, options.seed)
    job_service = JobService(store, chosen, options.clock, options.org, options.seed)
    background = Background()
    chosen.attach(TrainerHost(options.clock, store, background, job_service.find_model))
    app = Starlette(
        routes=[*ROUTES, Route("/health", health, methods=["GET"])],
        middleware=[
            Middleware(Gateway, options=options),
            *([Middleware(StateReload, store=store)] if options.reload_state else []),
        ],
        exception_handlers={
            APIError: handle_api_error,
            HTTPException: handle_http_exception,
            Exception: handle_unexpected,
        },
        lifespan=lifespan,
    )
    app.state.context = ServerContext(
        options, store, job_service, chosen, chosen.responder(), background
    )
    return app
