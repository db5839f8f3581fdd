"""The Files API through the real SDK: upload, list with cursors, retrieve, content, delete."""

from __future__ import annotations

import openai
import pytest

from .helpers import Sandbox, chat_rows, jsonl


async def test_upload_retrieve_content_delete(sandbox: Sandbox) -> None:
    data = jsonl(chat_rows(3))
    created = await sandbox.client.files.create(file=("train.jsonl", data), purpose="fine-tune")
    assert created.id.startswith("file-")
    assert (created.bytes, created.filename, created.purpose) == (
        len(data),
        "train.jsonl",
        "fine-tune",
    )
    assert created.created_at == int(sandbox.clock())
    assert created.expires_at is None

    fetched = await sandbox.client.files.retrieve(created.id)
    assert fetched == created
    content = await sandbox.client.files.content(created.id)
    assert content.read() == data

    deleted = await sandbox.client.files.delete(created.id)
    assert (deleted.id, deleted.deleted) == (created.id, True)
    with pytest.raises(openai.NotFoundError) as info:
        await sandbox.client.files.retrieve(created.id)
    assert info.value.body == {
        "message": f"No such File object: {created.id}",
        "type": "invalid_request_error",
        "param": "id",
        "code": None,
    }


async def test_list_filters_orders_and_pages(sandbox: Sandbox) -> None:
    ids = []
    for i in range(5):
        purpose = "fine-tune" if i % 2 == 0 else "batch"
        ids.append(await sandbox.upload(b"{}\n", f"f{i}.jsonl", purpose))
        sandbox.clock.advance(1)

    page = await sandbox.client.files.list(limit=2)
    assert [f.id for f in page.data] == ids[::-1][:2]
    assert page.has_more is True
    everything = [f.id async for f in await sandbox.client.files.list(limit=2)]
    assert everything == ids[::-1]

    oldest_first = await sandbox.client.files.list(order="asc", after=ids[1])
    assert [f.id for f in oldest_first.data] == ids[2:]
    fine_tune = await sandbox.client.files.list(purpose="fine-tune")
    assert [f.id for f in fine_tune.data] == [ids[4], ids[2], ids[0]]
    batch = await sandbox.client.files.retrieve(ids[1])
    assert batch.expires_at == batch.created_at + 30 * 24 * 3600


async def test_bad_uploads_are_400s_naming_the_param(sandbox: Sandbox) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.files.create(file=("data.csv", b"a,b\n"), purpose="fine-tune")
    assert info.value.param == "file"
    assert "Must be .jsonl" in info.value.message

    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.files.create(file=("x.jsonl", b"{}"), purpose="nonsense")  # type: ignore[arg-type]
    assert info.value.param == "purpose"

    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.files.create(
            file=("x.jsonl", b"{}"),
            purpose="fine-tune",
            expires_after={"anchor": "created_at", "seconds": 60},
        )
    assert info.value.param == "expires_after.seconds"


async def test_expires_after_sets_expires_at(sandbox: Sandbox) -> None:
    file = await sandbox.client.files.create(
        file=("x.jsonl", b"{}\n"),
        purpose="fine-tune",
        expires_after={"anchor": "created_at", "seconds": 7200},
    )
    assert file.expires_at == file.created_at + 7200


async def test_unknown_route_is_invalid_url(sandbox: Sandbox) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        await sandbox.client.get("/nothing/here", cast_to=object)
    assert isinstance(info.value.body, dict)
    assert info.value.body["message"] == "Invalid URL (GET /v1/nothing/here)"
