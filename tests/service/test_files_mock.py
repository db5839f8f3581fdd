"""Uploads against a scripted API: lint first, progress, reuse, the Uploads API, cancellation."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from tests.service.sdk import sdk
from tuiftune.service.files import DatasetRejectedError, upload_file
from tuiftune.service.upload_cache import UploadCache

MockClient = Callable[[Any], openai.AsyncOpenAI]


def chat_lines(n: int = 12) -> str:
    rows = [
        {
            "messages": [
                {"role": "system", "content": "You answer briefly."},
                {"role": "user", "content": f"What is {i} plus {i}?"},
                {"role": "assistant", "content": f"It is {2 * i}."},
            ]
        }
        for i in range(n)
    ]
    return "".join(json.dumps(r) + "\n" for r in rows)


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text(chat_lines())
    return path


@pytest.fixture
def good_bytes(good_file: Path) -> bytes:
    return good_file.read_bytes()


@pytest.fixture
def other_file(tmp_path: Path) -> Path:
    path = tmp_path / "other" / "train.jsonl"
    path.parent.mkdir()
    path.write_text(chat_lines(13))
    return path


class FakeFiles:
    def __init__(self) -> None:
        self.files: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.log: list[tuple[str, str]] = []
        self.part_gate: asyncio.Event | None = None
        self.part_started = asyncio.Event()
        self.next_id = 0

    def file_obj(self, fid: str, filename: str, size: int, purpose: str) -> dict[str, Any]:
        obj = {
            "id": fid,
            "object": "file",
            "bytes": size,
            "created_at": 1,
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }
        self.files[fid] = obj
        return obj

    async def handler(self, request: httpx2.Request) -> httpx2.Response:
        path, method = request.url.path, request.method
        self.log.append((method, path))
        if method == "POST" and path == "/v1/files":
            body = request.content
            filename = re.search(rb'filename="([^"]+)"', body)
            assert filename is not None
            # The payload between the file part's headers and the next boundary.
            start = body.index(b"\r\n\r\n", body.index(b'name="file"')) + 4
            boundary = body[: body.index(b"\r\n")]
            payload = body[start : body.index(b"\r\n" + boundary, start)]
            fid = self.new_id()
            obj = self.file_obj(fid, filename.group(1).decode(), len(payload), "fine-tune")
            return httpx2.Response(200, json=obj)
        if method == "GET" and path.startswith("/v1/files/"):
            fid = path.rsplit("/", 1)[1]
            if fid not in self.files:
                return httpx2.Response(404, json={"error": {"message": "No such File object"}})
            return httpx2.Response(200, json=self.files[fid])
        if method == "POST" and path == "/v1/uploads":
            data = json.loads(request.content)
            uid = f"upload-{len(self.uploads)}"
            self.uploads[uid] = {**data, "parts": {}, "status": "pending"}
            return httpx2.Response(200, json=self.upload_obj(uid))
        m = re.fullmatch(r"/v1/uploads/([^/]+)/(parts|complete|cancel)", path)
        if m:
            uid, action = m.groups()
            up = self.uploads[uid]
            if action == "parts":
                self.part_started.set()
                if self.part_gate is not None:
                    await self.part_gate.wait()
                body = request.content
                start = body.index(b"\r\n\r\n", body.index(b'name="data"')) + 4
                boundary = body[: body.index(b"\r\n")]
                chunk = body[start : body.index(b"\r\n" + boundary, start)]
                pid = f"part-{len(up['parts'])}"
                up["parts"][pid] = chunk
                return httpx2.Response(
                    200,
                    json={"id": pid, "object": "upload.part", "created_at": 1, "upload_id": uid},
                )
            if action == "cancel":
                up["status"] = "cancelled"
                return httpx2.Response(200, json=self.upload_obj(uid))
            data = json.loads(request.content)
            content = b"".join(up["parts"][p] for p in data["part_ids"])
            assert hashlib.md5(content).hexdigest() == data["md5"]
            up["status"] = "completed"
            up["content"] = content
            obj = self.upload_obj(uid)
            obj["file"] = self.file_obj(self.new_id(), up["filename"], len(content), up["purpose"])
            return httpx2.Response(200, json=obj)
        return httpx2.Response(404, json={"error": {"message": f"no route {path}"}})

    def new_id(self) -> str:
        self.next_id += 1
        return f"file-{self.next_id}"

    def upload_obj(self, uid: str) -> dict[str, Any]:
        up = self.uploads[uid]
        return {
            "id": uid,
            "object": "upload",
            "bytes": up["bytes"],
            "created_at": 1,
            "expires_at": 3601,
            "filename": up["filename"],
            "purpose": up["purpose"],
            "status": up["status"],
        }


async def test_upload_progress_then_reuse(
    mock_client: MockClient, good_file: Path, good_bytes: bytes, other_file: Path, tmp_path: Path
) -> None:
    api = FakeFiles()
    client = mock_client(api.handler)
    cache = UploadCache(tmp_path / "cache.json")
    progress: list[tuple[int, int]] = []
    size = len(good_bytes)
    first = await upload_file(
        sdk(client).files, good_file, cache=cache, on_progress=lambda a, b: progress.append((a, b))
    )
    assert not first.reused and first.file.bytes == size
    assert first.sha256 == hashlib.sha256(good_bytes).hexdigest()
    assert progress[-1] == (size, size)
    assert [p[0] for p in progress] == sorted(p[0] for p in progress)
    again = await upload_file(sdk(client).files, good_file, cache=cache)
    assert again.reused and again.file.id == first.file.id
    posts = [entry for entry in api.log if entry == ("POST", "/v1/files")]
    assert len(posts) == 1 and ("GET", f"/v1/files/{first.file.id}") in api.log
    # Deleted on the server: uploaded again, and the cache learns the new id.
    del api.files[first.file.id]
    third = await upload_file(sdk(client).files, good_file, cache=cache)
    assert not third.reused and third.file.id != first.file.id
    # Same name, other content: a different hash, so no reuse.
    assert not (await upload_file(sdk(client).files, other_file, cache=cache)).reused


async def test_lint_errors_refuse_unless_forced(mock_client: MockClient, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(chat_lines(11) + "{oops\n")
    api = FakeFiles()
    client = mock_client(api.handler)
    with pytest.raises(DatasetRejectedError) as info:
        await upload_file(sdk(client).files, bad, cache=UploadCache(tmp_path / "c.json"))
    assert info.value.errors >= 1 and "line 12" in str(info.value)
    assert any(f.rule.startswith("json") for f in info.value.findings)
    assert api.log == []
    forced = await upload_file(
        sdk(client).files, bad, force=True, cache=UploadCache(tmp_path / "c.json")
    )
    assert forced.file.id and any(f.severity == "error" for f in forced.findings)


async def test_large_file_goes_through_uploads_api_in_parts(
    mock_client: MockClient, good_file: Path, good_bytes: bytes, tmp_path: Path
) -> None:
    api = FakeFiles()
    client = mock_client(api.handler)
    progress: list[int] = []
    size = len(good_bytes)
    result = await upload_file(
        sdk(client).files,
        good_file,
        cache=UploadCache(tmp_path / "c.json"),
        multipart_threshold=100,
        part_size=256,
        on_progress=lambda sent, total: progress.append(sent),
    )
    up = api.uploads["upload-0"]
    assert up["status"] == "completed" and up["content"] == good_bytes
    assert len(up["parts"]) == -(-size // 256)
    assert all(len(chunk) <= 256 for chunk in up["parts"].values())
    assert result.file.bytes == size and progress[-1] == size
    assert progress == sorted(progress)


async def test_cancel_multipart_upload_cancels_on_server(
    mock_client: MockClient, good_file: Path, tmp_path: Path
) -> None:
    api = FakeFiles()
    api.part_gate = asyncio.Event()  # parts hang until the test cancels
    client = mock_client(api.handler)
    task = asyncio.create_task(
        upload_file(
            sdk(client).files,
            good_file,
            cache=UploadCache(tmp_path / "c.json"),
            multipart_threshold=10,
            part_size=128,
        )
    )
    await api.part_started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert api.uploads["upload-0"]["status"] == "cancelled"
    assert ("POST", "/v1/uploads/upload-0/cancel") in api.log
