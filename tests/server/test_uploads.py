"""The Uploads API: parts, ordered completion with md5, cancel and the one-hour expiry."""

from __future__ import annotations

import hashlib

import openai
import pytest

from .helpers import Sandbox, chat_rows, jsonl


async def _upload(sandbox: Sandbox, data: bytes, parts: int = 3) -> tuple[str, list[str]]:
    upload = await sandbox.client.uploads.create(
        filename="big.jsonl", purpose="fine-tune", bytes=len(data), mime_type="text/jsonl"
    )
    assert (upload.status, upload.expires_at) == ("pending", upload.created_at + 3600)
    size = -(-len(data) // parts)
    part_ids = []
    for start in range(0, len(data), size):
        part = await sandbox.client.uploads.parts.create(upload.id, data=data[start : start + size])
        assert (part.object, part.upload_id) == ("upload.part", upload.id)
        part_ids.append(part.id)
    return upload.id, part_ids


async def test_parts_complete_into_a_file(sandbox: Sandbox) -> None:
    data = jsonl(chat_rows(12))
    upload_id, part_ids = await _upload(sandbox, data)
    done = await sandbox.client.uploads.complete(
        upload_id, part_ids=part_ids, md5=hashlib.md5(data).hexdigest()
    )
    assert done.status == "completed"
    assert done.file is not None
    assert (done.file.bytes, done.file.filename, done.file.purpose) == (
        len(data),
        "big.jsonl",
        "fine-tune",
    )
    content = await sandbox.client.files.content(done.file.id)
    assert content.read() == data


async def test_parts_are_joined_in_the_order_given(sandbox: Sandbox) -> None:
    data = b"".join(bytes([65 + i]) * 10 for i in range(3))
    upload_id, part_ids = await _upload(sandbox, data)
    done = await sandbox.client.uploads.complete(upload_id, part_ids=part_ids[::-1])
    assert done.file is not None
    content = await sandbox.client.files.content(done.file.id)
    assert content.read() == b"C" * 10 + b"B" * 10 + b"A" * 10


async def test_complete_checks_bytes_md5_and_part_ids(sandbox: Sandbox) -> None:
    data = jsonl(chat_rows(4))
    upload_id, part_ids = await _upload(sandbox, data)
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.uploads.complete(upload_id, part_ids=part_ids[:-1])
    assert info.value.param == "part_ids"
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.uploads.complete(upload_id, part_ids=part_ids, md5="0" * 32)
    assert info.value.param == "md5"
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.uploads.complete(upload_id, part_ids=["part_nope"])
    assert info.value.param == "part_ids"


async def test_cancel_and_expiry_stop_an_upload(sandbox: Sandbox) -> None:
    data = b"x" * 30
    upload_id, _ = await _upload(sandbox, data)
    cancelled = await sandbox.client.uploads.cancel(upload_id)
    assert cancelled.status == "cancelled"
    with pytest.raises(openai.BadRequestError):
        await sandbox.client.uploads.parts.create(upload_id, data=b"more")

    upload_id, part_ids = await _upload(sandbox, data)
    sandbox.clock.advance(3600)
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.uploads.complete(upload_id, part_ids=part_ids)
    assert "expired" in info.value.message


async def test_create_checks_its_fields(sandbox: Sandbox) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.uploads.create(
            filename="a.jsonl", purpose="fine-tune", bytes=10, mime_type="image/png"
        )
    assert info.value.param == "mime_type"
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.uploads.create(
            filename="a.jsonl", purpose="fine-tune", bytes=9 * 1024**3, mime_type="text/jsonl"
        )
    assert info.value.param == "bytes"
    with pytest.raises(openai.NotFoundError):
        await sandbox.client.uploads.cancel("upload_missing")
