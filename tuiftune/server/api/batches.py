"""``/v1/batches``: create, retrieve, list and cancel batches of chat or legacy completions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tuiftune.server.api import chat, completions
from tuiftune.server.batch_exec import Handler, parse_input, run_request
from tuiftune.server.batches import CANCELLABLE, BatchBook, BatchRecord, batch_state, render
from tuiftune.server.context import context
from tuiftune.server.errors import APIError, invalid, missing, not_found
from tuiftune.server.ids import new_id
from tuiftune.server.job_request import check_metadata
from tuiftune.server.params import json_body, list_body, page_after, query_int, without_nulls

SPEC_ENDPOINTS = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
)
HANDLERS: dict[str, Handler] = {
    "/v1/chat/completions": chat.chat_completions,
    "/v1/completions": completions.completions,
}


def book(request: Request) -> BatchBook:
    """The app's batches, created (and loaded from the state directory) on first use."""
    state = request.app.state
    existing = getattr(state, "batches", None)
    if isinstance(existing, BatchBook):
        return existing
    created = BatchBook(context(request).store)
    state.batches = created
    return created


def _output_ttl(body: dict[str, Any]) -> int | None:
    policy = body.get("output_expires_after")
    if policy is None:
        return None
    if not isinstance(policy, dict) or policy.get("anchor") != "created_at":
        raise invalid(
            "Invalid 'output_expires_after': expected {'anchor': 'created_at', 'seconds': N}.",
            param="output_expires_after",
        )
    seconds = policy.get("seconds")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 3600 <= seconds <= 2592000:
        raise invalid(
            "Invalid 'output_expires_after.seconds': must be between 3600 and 2592000.",
            param="output_expires_after.seconds",
        )
    return seconds


async def create_batch(request: Request) -> Response:
    """Validate the input file and answer every request now; the clock reveals the progress."""
    ctx = context(request)
    body = await json_body(request)
    for key in ("input_file_id", "endpoint", "completion_window"):
        if not body.get(key):
            raise missing(key)
    endpoint, window = body["endpoint"], body["completion_window"]
    if endpoint not in SPEC_ENDPOINTS:
        message = f"{endpoint!r} is not one of {list(SPEC_ENDPOINTS)} - 'endpoint'"
        raise invalid(message, param="endpoint")
    if endpoint not in HANDLERS:
        raise invalid(
            f"The local server runs batches for {sorted(HANDLERS)} only, not {endpoint}.",
            param="endpoint",
        )
    if window != "24h":
        message = f"{window!r} is not one of ['24h'] - 'completion_window'"
        raise invalid(message, param="completion_window")
    metadata = check_metadata(body.get("metadata"))
    ttl = _output_ttl(body)
    file_id = str(body["input_file_id"])
    record = ctx.store.files.get(file_id)
    if record is None:
        raise not_found(f"No such File object: {file_id}", param="input_file_id")
    if record.purpose != "batch":
        raise invalid(
            f"File {file_id} has purpose '{record.purpose}'; batches need purpose 'batch'.",
            param="input_file_id",
        )
    lines, errors = parse_input(await ctx.store.file_bytes(file_id), endpoint)
    handler = HANDLERS[endpoint]
    outputs = [] if errors else [await run_request(request.app, handler, x) for x in lines]
    rec = BatchRecord(
        id=new_id("batch_"),
        endpoint=endpoint,
        input_file_id=file_id,
        completion_window=window,
        created_at=ctx.now(),
        step_seconds=ctx.options.step_seconds,
        model=str(lines[0].body["model"]) if lines else None,
        metadata=metadata,
        output_ttl=ttl,
        errors=errors,
        outputs=outputs,
        seq=ctx.store.next_seq(),
    )
    book(request).save(rec)
    return JSONResponse(await _view(request, rec))


async def _view(request: Request, rec: BatchRecord) -> dict[str, Any]:
    now = context(request).now()
    state = batch_state(rec, now)
    await book(request).finish(rec, state, now)
    body = render(rec, state)
    # The spec types every Batch field but ``metadata`` without null: unset ones are left out.
    return {**without_nulls(body), "metadata": body.get("metadata")}


def _get(request: Request) -> BatchRecord:
    batch_id = request.path_params["batch_id"]
    rec = book(request).batches.get(batch_id)
    if rec is None:
        raise not_found(f"No batch found with id '{batch_id}'.", param="batch_id")
    return rec


async def retrieve_batch(request: Request) -> Response:
    """One batch at the current time."""
    return JSONResponse(await _view(request, _get(request)))


async def list_batches(request: Request) -> Response:
    """Batches, newest first."""
    limit = query_int(request, "limit", 20, 1, 100)
    records = list(reversed(book(request).batches.values()))
    chunk, has_more = page_after(records, request.query_params.get("after"), limit, lambda b: b.id)
    data = [await _view(request, rec) for rec in chunk]
    return JSONResponse(list_body(data, has_more, ids=True))


async def cancel_batch(request: Request) -> Response:
    """Stop a batch; it is ``cancelling`` for a while, then ``cancelled`` with partial results."""
    ctx = context(request)
    rec = _get(request)
    status = batch_state(rec, ctx.now()).status
    if status not in CANCELLABLE:
        raise APIError(400, f"Cannot cancel a batch with status '{status}'.", param="batch_id")
    rec.cancel_at = ctx.now()
    book(request).save(rec)
    return JSONResponse(await _view(request, rec))


ROUTES = [
    Route("/v1/batches", create_batch, methods=["POST"]),
    Route("/v1/batches", list_batches, methods=["GET"]),
    Route("/v1/batches/{batch_id}", retrieve_batch, methods=["GET"]),
    Route("/v1/batches/{batch_id}/cancel", cancel_batch, methods=["POST"]),
]
