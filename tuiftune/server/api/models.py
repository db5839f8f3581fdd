"""``/v1/models``: base models and fine-tuned models; fine-tuned ones can be deleted."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuiftune.server.context import ServerContext, context
from tuiftune.server.errors import APIError, invalid, model_not_found
from tuiftune.server.jobs import JobView


def _fine_tuned(ctx: ServerContext, name: str, view: JobView) -> dict[str, Any]:
    created = view.progress.finished_at
    for checkpoint in view.progress.checkpoints:
        if checkpoint.model == name:
            created = checkpoint.created_at
    return {
        "id": name,
        "object": "model",
        "created": created or int(view.job.created_at),
        "owned_by": f"org-{ctx.options.org}",
        "shutdown_date": None,
    }


async def list_models(request: Request) -> Response:
    """Base models, then fine-tuned models that have not been deleted."""
    ctx = context(request)
    data = [m.to_api() for m in ctx.trainer.base_models()]
    for view in await ctx.jobs.views():
        name = view.progress.fine_tuned_model
        if name and name not in ctx.store.deleted_models:
            data.append(_fine_tuned(ctx, name, view))
    return JSONResponse({"object": "list", "data": data})


async def retrieve_model(request: Request) -> Response:
    """One model: base (or alias), fine-tuned, or checkpoint."""
    ctx = context(request)
    name = request.path_params["model"]
    base = ctx.trainer.base_model(name)
    if base is not None:
        return JSONResponse({**base.to_api(), "id": name})
    view = ctx.jobs.find_fine_tuned(name)
    if view is None or ctx.responder.resolve(name) is None:
        raise model_not_found(name)
    return JSONResponse(_fine_tuned(ctx, name, view))


async def delete_model(request: Request) -> Response:
    """Delete a fine-tuned model (base models and checkpoints cannot be deleted)."""
    ctx = context(request)
    name = request.path_params["model"]
    if ctx.trainer.base_model(name) is not None:
        raise APIError(
            403,
            f"You have insufficient permissions to delete model {name}: "
            "only fine-tuned models you own can be deleted.",
            param="model",
            type="invalid_request_error",
            code="model_not_deletable",
        )
    view = ctx.jobs.find_fine_tuned(name)
    if view is None:
        raise model_not_found(name)
    if view.progress.fine_tuned_model != name:
        raise invalid(
            f"{name} is a checkpoint; only fine-tuned models can be deleted.", param="model"
        )
    ctx.store.delete_model(name)
    return JSONResponse({"id": name, "object": "model", "deleted": True})
