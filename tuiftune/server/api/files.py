"""``/v1/files``: upload, list, retrieve, delete and download."""

from __future__ import annotations

import asyncio

from starlette.datastructures import FormData, UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from tuiftune.server.body_limits import limit_for
from tuiftune.server.context import ServerContext, context
from tuiftune.server.errors import APIError, invalid, missing, not_found
from tuiftune.server.ids import new_id
from tuiftune.server.params import list_body, page_after, query_int, without_nulls
from tuiftune.server.records import FileRecord
from tuiftune.server.spooled import size_of

FILE_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
BATCH_EXPIRY = 30 * 24 * 3600
# Multipart fields without a filename are held in memory up to this size.
MAX_PART = 64 * 1024 * 1024 + 1


async def read_form(request: Request) -> FormData:
    """The multipart body; a 400 when the request is not multipart."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise invalid("Expected a multipart/form-data request body.")
    try:
        return await request.form(max_part_size=MAX_PART)
    except (APIError, ClientDisconnect):  # a body over its limit; a client that left
        raise
    except Exception as exc:  # malformed multipart bodies raise assorted parser errors
        raise invalid(f"Could not parse the multipart form: {exc}") from None


def check_purpose(purpose: object, allowed: tuple[str, ...]) -> str:
    """A purpose from the allowed list, in the API's enum error style otherwise."""
    if not purpose:
        raise missing("purpose")
    if purpose not in allowed:
        raise invalid(f"{purpose!r} is not one of {list(allowed)} - 'purpose'", param="purpose")
    return str(purpose)


def check_fine_tune_name(filename: str, purpose: str) -> None:
    """Fine-tuning accepts only JSONL files."""
    if purpose == "fine-tune" and not filename.lower().endswith(".jsonl"):
        raise invalid("Invalid file format for Fine-Tuning API. Must be .jsonl", param="file")


def expiry(form_or_body: dict[str, object], created_at: int, purpose: str) -> int | None:
    """``expires_at`` from ``expires_after`` (anchor ``created_at``, 1 hour to 30 days)."""
    seconds = form_or_body.get("expires_after[seconds]")
    if seconds is None and isinstance(form_or_body.get("expires_after"), dict):
        nested = form_or_body["expires_after"]
        assert isinstance(nested, dict)
        seconds = nested.get("seconds")
    if seconds is None:
        return created_at + BATCH_EXPIRY if purpose == "batch" else None
    try:
        value = int(str(seconds))
    except ValueError:
        raise invalid(
            "Invalid 'expires_after.seconds': expected an integer.", param="expires_after.seconds"
        ) from None
    if not 3600 <= value <= 2_592_000:
        raise invalid(
            "Invalid 'expires_after.seconds': must be between 3600 and 2592000.",
            param="expires_after.seconds",
        )
    return created_at + value


def file_object(record: FileRecord) -> dict[str, object]:
    """The ``OpenAIFile``: no field of it may be null in the spec, so unset ones are left out
    (``expires_at`` of a file that never expires, the deprecated ``status_details``)."""
    return without_nulls(record.to_api())


def get_file(ctx: ServerContext, file_id: str) -> FileRecord:
    """A stored file or OpenAI's 404."""
    record = ctx.store.files.get(file_id)
    if record is None:
        raise not_found(f"No such File object: {file_id}", param="id")
    return record


async def create_file(request: Request) -> Response:
    """Store an uploaded file."""
    ctx = context(request)
    form = await read_form(request)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise missing("file")
        purpose = check_purpose(form.get("purpose"), FILE_PURPOSES)
        filename = upload.filename or "upload"
        check_fine_tune_name(filename, purpose)
        size = await asyncio.to_thread(size_of, upload.file)
        if size > ctx.options.max_upload_bytes:
            raise limit_for(request.scope, ctx.options).error()
        fields: dict[str, object] = {k: v for k, v in form.items() if isinstance(v, str)}
        created = int(ctx.now())
        record = FileRecord(
            id=new_id("file-", 22),
            bytes=size,
            created_at=created,
            filename=filename,
            purpose=purpose,
            expires_at=expiry(fields, created, purpose),
            seq=ctx.store.next_seq(),
        )
        # From the form's spooled file (on disk past 1 MB) to the store, never whole in memory
        # when the store keeps files on disk too.
        await ctx.store.add_file_from(record, upload.file)
    finally:
        await form.close()  # removes the spooled temporary files
    return JSONResponse(file_object(record))


async def list_files(request: Request) -> Response:
    """Files, newest first by default, filtered by purpose."""
    ctx = context(request)
    # Results files appear when their job is first seen succeeded; jobs that have theirs
    # need no look (with thousands of jobs, computing each one's progress was the cost).
    for job in [j for j in ctx.store.jobs.values() if j.result_file is None]:
        await ctx.jobs.view(job.id)
    purpose = request.query_params.get("purpose")
    limit = query_int(request, "limit", 10_000, 1, 10_000)
    order = request.query_params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid(f"{order!r} is not one of ['asc', 'desc'] - 'order'", param="order")
    files = [f for f in ctx.store.files.values() if not purpose or f.purpose == purpose]
    files.sort(key=lambda f: (f.created_at, f.seq), reverse=order == "desc")
    chunk, has_more = page_after(files, request.query_params.get("after"), limit, lambda f: f.id)
    return JSONResponse(list_body([file_object(f) for f in chunk], has_more, ids=True))


async def retrieve_file(request: Request) -> Response:
    """One file's metadata."""
    return JSONResponse(file_object(get_file(context(request), request.path_params["file_id"])))


async def delete_file(request: Request) -> Response:
    """Delete a file and its bytes."""
    ctx = context(request)
    record = get_file(ctx, request.path_params["file_id"])
    ctx.store.remove_file(record.id)
    return JSONResponse({"id": record.id, "object": "file", "deleted": True})


async def file_content(request: Request) -> Response:
    """A file's bytes, exactly as stored."""
    ctx = context(request)
    record = get_file(ctx, request.path_params["file_id"])
    data = await ctx.store.file_bytes(record.id)
    return Response(data, media_type="application/octet-stream")
