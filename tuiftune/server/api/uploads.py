"""``/v1/uploads``: large files in parts of up to 64 MB, completed into one File."""

from __future__ import annotations

import asyncio
import functools
import io
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuiftune.server.api.files import (
    check_fine_tune_name,
    check_purpose,
    expiry,
    file_object,
    read_form,
)
from tuiftune.server.body_limits import MAX_PART_BYTES, limit_for
from tuiftune.server.context import ServerContext, context
from tuiftune.server.errors import invalid, missing, not_found
from tuiftune.server.ids import new_id
from tuiftune.server.params import json_body
from tuiftune.server.records import FileRecord, UploadRecord
from tuiftune.server.spooled import join, size_of

UPLOAD_PURPOSES = ("assistants", "batch", "fine-tune", "vision")
MAX_UPLOAD_BYTES = 8 * 1024**3
UPLOAD_LIFETIME = 3600
JSONL_TYPES = (
    "text/jsonl",
    "application/jsonl",
    "application/x-ndjson",
    "application/json",
    "text/plain",
)


def _status(ctx: ServerContext, upload: UploadRecord) -> str:
    if upload.status == "pending" and ctx.now() >= upload.expires_at:
        return "expired"
    return upload.status


def _to_api(ctx: ServerContext, upload: UploadRecord) -> dict[str, Any]:
    file = ctx.store.files.get(upload.file_id) if upload.file_id else None
    return {
        "id": upload.id,
        "object": "upload",
        "bytes": upload.bytes,
        "created_at": upload.created_at,
        "filename": upload.filename,
        "purpose": upload.purpose,
        "status": _status(ctx, upload),
        "expires_at": upload.expires_at,
        "file": file_object(file) if file else None,
    }


def _pending(ctx: ServerContext, upload_id: str) -> UploadRecord:
    upload = ctx.store.uploads.get(upload_id)
    if upload is None:
        raise not_found(f"No such Upload object: {upload_id}", param="upload_id")
    status = _status(ctx, upload)
    if status != "pending":
        raise invalid(
            f"Upload {upload_id} is {status}; it accepts no more changes.", param="upload_id"
        )
    return upload


async def create_upload(request: Request) -> Response:
    """Start an upload of a declared size."""
    ctx = context(request)
    body = await json_body(request)
    for key in ("filename", "purpose", "bytes", "mime_type"):
        if body.get(key) is None:
            raise missing(key)
    purpose = check_purpose(body["purpose"], UPLOAD_PURPOSES)
    filename, size, mime = body["filename"], body["bytes"], body["mime_type"]
    if not isinstance(filename, str) or not filename:
        raise invalid("Invalid 'filename': expected a non-empty string.", param="filename")
    check_fine_tune_name(filename, purpose)
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_UPLOAD_BYTES:
        raise invalid("Invalid 'bytes': expected an integer between 0 and 8 GB.", param="bytes")
    if purpose == "fine-tune" and mime not in JSONL_TYPES:
        raise invalid(
            f"Invalid 'mime_type' {mime!r} for purpose 'fine-tune': expected text/jsonl.",
            param="mime_type",
        )
    created = int(ctx.now())
    upload = UploadRecord(
        id=new_id("upload_"),
        filename=filename,
        purpose=purpose,
        bytes=size,
        mime_type=str(mime),
        created_at=created,
        # The Upload always expires after an hour; expires_after is for the File it makes.
        expires_at=created + UPLOAD_LIFETIME,
        file_ttl=expiry(body, 0, purpose),
        seq=ctx.store.next_seq(),
    )
    ctx.store.save_upload(upload)
    return JSONResponse(_to_api(ctx, upload))


async def add_part(request: Request) -> Response:
    """Add a chunk of bytes to a pending upload."""
    ctx = context(request)
    upload = _pending(ctx, request.path_params["upload_id"])
    form = await read_form(request)
    try:
        part = form.get("data")
        if part is None:
            raise missing("data")
        source = part.file if isinstance(part, UploadFile) else io.BytesIO(part.encode())
        size = await asyncio.to_thread(size_of, source)
        if size > min(MAX_PART_BYTES, ctx.options.max_upload_bytes):
            raise limit_for(request.scope, ctx.options).error()
        part_id = new_id("part_")
        await ctx.store.add_part_from(part_id, source)  # in chunks, from the form's spool
    finally:
        await form.close()
    upload.parts[part_id] = size
    ctx.store.save_upload(upload)
    created = int(ctx.now())
    return JSONResponse(
        {"id": part_id, "object": "upload.part", "created_at": created, "upload_id": upload.id}
    )


async def complete_upload(request: Request) -> Response:
    """Join the listed parts, in order, into a new File."""
    ctx = context(request)
    upload = _pending(ctx, request.path_params["upload_id"])
    body = await json_body(request)
    part_ids = body.get("part_ids")
    if part_ids is None:
        raise missing("part_ids")
    if not isinstance(part_ids, list) or not all(isinstance(p, str) for p in part_ids):
        raise invalid("Invalid 'part_ids': expected a list of part ids.", param="part_ids")
    unknown = [p for p in part_ids if p not in upload.parts]
    if unknown:
        raise invalid(f"Part {unknown[0]} does not belong to upload {upload.id}.", param="part_ids")
    total = sum(upload.parts[p] for p in part_ids)
    if total != upload.bytes:
        raise invalid(
            f"The number of bytes in the parts ({total}) does not match the number of bytes "
            f"declared when the upload was created ({upload.bytes}).",
            param="part_ids",
        )
    # Joined in a spooled file (next to the parts, with a state folder) rather than in memory:
    # an Upload may hold up to 8 GB.
    folder = ctx.store.root / "parts" if ctx.store.root is not None else None
    opens = [functools.partial(ctx.store.open_part, p) for p in part_ids]
    joined, digest = await asyncio.to_thread(join, opens, folder)
    try:
        md5 = body.get("md5")
        if md5 and digest != str(md5).lower():
            raise invalid("The md5 checksum does not match the uploaded bytes.", param="md5")
        created = int(ctx.now())
        record = FileRecord(
            id=new_id("file-", 22),
            bytes=total,
            created_at=created,
            filename=upload.filename,
            purpose=upload.purpose,
            expires_at=created + upload.file_ttl if upload.file_ttl else None,
            seq=ctx.store.next_seq(),
        )
        await ctx.store.add_file_from(record, joined)
    finally:
        await asyncio.to_thread(joined.close)
    ctx.store.drop_parts(list(upload.parts))
    upload.status, upload.file_id = "completed", record.id
    ctx.store.save_upload(upload)
    return JSONResponse(_to_api(ctx, upload))


async def cancel_upload(request: Request) -> Response:
    """Cancel a pending upload and drop its parts."""
    ctx = context(request)
    upload = _pending(ctx, request.path_params["upload_id"])
    ctx.store.drop_parts(list(upload.parts))
    upload.status = "cancelled"
    ctx.store.save_upload(upload)
    return JSONResponse(_to_api(ctx, upload))
