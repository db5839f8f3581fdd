"""``/v1/fine_tuning/jobs``: create, list, retrieve, cancel, pause, resume, events, checkpoints."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuiftune.server.context import ServerContext, context
from tuiftune.server.errors import invalid
from tuiftune.server.job_request import parse_job_request
from tuiftune.server.jobs import JobView
from tuiftune.server.params import json_body, list_body, page_after, query_int, without_nulls
from tuiftune.server.records import JobRecord


def job_object(ctx: ServerContext, view: JobView) -> dict[str, Any]:
    """The ``FineTuningJob`` object."""
    # Kept as a seam: the spec requires the deprecated top-level ``hyperparameters`` as an
    # object, yet "only returned when running supervised jobs"; other methods get null, as
    # tests/server/test_jobs_validation.py pins.
    return ctx.jobs.render(view)


def _job_response(ctx: ServerContext, view: JobView) -> Response:
    return JSONResponse(job_object(ctx, view))


async def create_job(request: Request) -> Response:
    """Create a job; its files are validated as it leaves ``validating_files``."""
    ctx = context(request)
    body = await json_body(request)
    job_request = parse_job_request(body, ctx.trainer.hyperparameter_extras())
    view = await ctx.jobs.create(job_request)
    return _job_response(ctx, view)


def _metadata_filter(request: Request) -> dict[str, str] | None:
    """``metadata[k]=v`` pairs; ``metadata=null`` selects jobs without metadata (empty dict)."""
    pairs = {
        key[len("metadata[") : -1]: value
        for key, value in request.query_params.multi_items()
        if key.startswith("metadata[") and key.endswith("]")
    }
    if request.query_params.get("metadata") == "null":
        if pairs:
            raise invalid(
                "Use either metadata=null or metadata[key]=value, not both.", param="metadata"
            )
        return {}
    return pairs or None


def _matches(job: JobRecord, wanted: dict[str, str] | None) -> bool:
    if wanted is None:
        return True
    metadata = job.metadata or {}
    if not wanted:
        return not metadata
    return all(metadata.get(k) == v for k, v in wanted.items())


async def list_jobs(request: Request) -> Response:
    """Jobs, newest first."""
    ctx = context(request)
    limit = query_int(request, "limit", 20, 1)
    wanted = _metadata_filter(request)
    # Page over the stored records (creation order, metadata on the record) and ask the trainer
    # only about the jobs on the page: with 1,865 jobs, computing every job's progress for a
    # page of 20 was what made the listing slow.
    jobs = [j for j in reversed(ctx.store.jobs.values()) if _matches(j, wanted)]
    chunk, has_more = page_after(jobs, request.query_params.get("after"), limit, lambda j: j.id)
    views = [await ctx.jobs.view(job.id) for job in chunk]
    return JSONResponse(list_body([job_object(ctx, v) for v in views], has_more))


async def retrieve_job(request: Request) -> Response:
    """One job, advanced to the current time."""
    ctx = context(request)
    return _job_response(ctx, await ctx.jobs.view(request.path_params["job_id"]))


async def cancel_job(request: Request) -> Response:
    """Cancel a job that has not finished."""
    ctx = context(request)
    return _job_response(ctx, await ctx.jobs.control(request.path_params["job_id"], "cancel"))


async def pause_job(request: Request) -> Response:
    """Pause a running job."""
    ctx = context(request)
    return _job_response(ctx, await ctx.jobs.control(request.path_params["job_id"], "pause"))


async def resume_job(request: Request) -> Response:
    """Resume a paused job."""
    ctx = context(request)
    return _job_response(ctx, await ctx.jobs.control(request.path_params["job_id"], "resume"))


async def list_events(request: Request) -> Response:
    """Events newest first; ``after`` walks toward older ones."""
    ctx = context(request)
    view = await ctx.jobs.view(request.path_params["job_id"])
    limit = query_int(request, "limit", 20, 1)
    events = view.progress.events
    # Positions count down from the newest event.
    start = len(events) - 1
    after = request.query_params.get("after")
    if after:
        index = events.index_of(after)
        if index is None:
            raise invalid(
                f"Invalid 'after': job {view.job.id} has no event {after!r}.", param="after"
            )
        start = index - 1
    stop = max(-1, start - limit)
    data = [without_nulls(events[i].to_api()) for i in range(start, stop, -1)]
    return JSONResponse(list_body(data, has_more=stop >= 0))


async def list_checkpoints(request: Request) -> Response:
    """Checkpoints newest first (only the last three are kept)."""
    ctx = context(request)
    view = await ctx.jobs.view(request.path_params["job_id"])
    limit = query_int(request, "limit", 10, 1)
    newest_first = list(reversed(view.progress.checkpoints))
    chunk, has_more = page_after(
        newest_first, request.query_params.get("after"), limit, lambda c: c.id
    )
    return JSONResponse(list_body([c.to_api() for c in chunk], has_more, ids=True))
