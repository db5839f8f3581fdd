"""Upload size limits hold before the body is read, memory stays flat, and a client that leaves
mid-body costs one log line."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import openai
import pytest

from .conftest import MakeSandbox

StartServer = Callable[..., str]
MB = 1024 * 1024


def _connect(base_url: str) -> socket.socket:
    parts = urlsplit(base_url)
    assert parts.hostname and parts.port
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def _head(path: str, length: int, content_type: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer k\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def _read_response(sock: socket.socket) -> bytes:
    """Bytes until the server has sent a whole (small) response or closed; 10 s at most."""
    data = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            break
        data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        if body and b"content-length" in head.lower():
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            if len(body) >= length:
                break
    return data


async def test_a_600_mb_upload_is_refused_before_it_is_sent(tcp: StartServer) -> None:
    base = tcp()
    form = "multipart/form-data; boundary=xyz"
    sent = 0

    def exchange() -> bytes:
        nonlocal sent
        with _connect(base) as sock:
            sock.sendall(_head("/v1/files", 600 * MB, form))
            first = (
                b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n'
            )
            sock.sendall(first + b"x" * 65536)
            sent = len(first) + 65536
            # The answer comes now, with 599.9 MB still unsent: nothing waits for the body.
            return _read_response(sock)

    response = await asyncio.to_thread(exchange)
    assert response.startswith(b"HTTP/1.1 400"), response[:200]
    assert b"File is too large" in response and b"512 MB" in response
    assert sent < MB


async def test_an_oversized_json_body_is_refused_before_it_is_sent(tcp: StartServer) -> None:
    base = tcp()

    def exchange() -> bytes:
        with _connect(base) as sock:
            sock.sendall(_head("/v1/chat/completions", 100 * MB, "application/json"))
            sock.sendall(b'{"model": "gpt-4o-mini", "messages": [')
            return _read_response(sock)

    response = await asyncio.to_thread(exchange)
    assert response.startswith(b"HTTP/1.1 400"), response[:200]
    assert b"larger than 64 MB" in response


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    head = (
        b'--xyz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n'
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n'
    )
    yield head
    block = b"y" * size
    for _ in range(total // size):
        yield block
    yield b"\r\n--xyz--\r\n"


async def test_a_streamed_upload_over_the_limit_keeps_memory_flat(tcp: StartServer) -> None:
    # No Content-Length (chunked): the limit is counted as bytes arrive.
    base = tcp(max_upload_bytes=MB)
    headers = {"authorization": "Bearer k", "content-type": "multipart/form-data; boundary=xyz"}
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        async with httpx2.AsyncClient(timeout=60) as http:
            response = await http.post(f"{base}/files", content=_chunks(48 * MB), headers=headers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "file"
    assert "at most 1 MB" in response.json()["error"]["message"]
    # 48 MB went through the server; it held a few chunks at a time, never the file.
    assert peak < 12 * MB, f"peak {peak / MB:.1f} MB"


async def test_an_accepted_upload_goes_to_disk_in_chunks(tcp: StartServer, tmp_path: Path) -> None:
    # With a state folder the file is copied from the form's spool to the store in chunks.
    base = tcp(state_dir=tmp_path / "state")
    headers = {"authorization": "Bearer k", "content-type": "multipart/form-data; boundary=xyz"}
    size = 40 * MB
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        async with httpx2.AsyncClient(timeout=60) as http:
            response = await http.post(f"{base}/files", content=_chunks(size), headers=headers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.text
    file_id = response.json()["id"]
    assert response.json()["bytes"] == size
    stored = tmp_path / "state" / "files" / f"{file_id}.bin"
    assert stored.stat().st_size == size
    with stored.open("rb") as fh:
        assert fh.read(1024) == b"y" * 1024
    assert peak < 12 * MB, f"peak {peak / MB:.1f} MB"


async def _part_body(size: int, block: bytes) -> AsyncIterator[bytes]:
    yield b'--xyz\r\nContent-Disposition: form-data; name="data"; filename="blob"\r\n\r\n'
    for _ in range(size // len(block)):
        yield block
    yield b"\r\n--xyz--\r\n"


async def test_upload_parts_are_joined_on_disk(tcp: StartServer, tmp_path: Path) -> None:
    # Parts go from the form's spool to the state folder, and are joined there: an Upload of
    # 3 x 16 MB never sits in the server's memory (it used to, part by part and joined).
    base = tcp(state_dir=tmp_path / "state")
    block, part_size, parts = b"z" * 65536, 16 * MB, 3
    md5 = hashlib.md5()
    for _ in range(parts * part_size // len(block)):
        md5.update(block)
    headers = {"authorization": "Bearer k", "content-type": "multipart/form-data; boundary=xyz"}
    async with openai.AsyncOpenAI(api_key="k", base_url=base, max_retries=0) as client:
        upload = await client.uploads.create(
            filename="big.jsonl",
            purpose="fine-tune",
            bytes=parts * part_size,
            mime_type="text/jsonl",
        )
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            part_ids = []
            async with httpx2.AsyncClient(timeout=60) as http:
                for _ in range(parts):
                    body = _part_body(part_size, block)
                    url = f"{base}/uploads/{upload.id}/parts"
                    response = await http.post(url, content=body, headers=headers)
                    assert response.status_code == 200, response.text
                    part_ids.append(response.json()["id"])
            done = await client.uploads.complete(upload.id, part_ids=part_ids, md5=md5.hexdigest())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert done.status == "completed" and done.file is not None
    assert done.file.bytes == parts * part_size
    stored = tmp_path / "state" / "files" / f"{done.file.id}.bin"
    assert stored.stat().st_size == parts * part_size
    assert list((tmp_path / "state" / "parts").iterdir()) == []  # parts and the join are gone
    assert peak < 12 * MB, f"peak {peak / MB:.1f} MB"


async def test_the_limit_is_exact_for_files_and_parts(make_sandbox: MakeSandbox) -> None:
    client = make_sandbox(max_upload_bytes=1000).client
    ok = await client.files.create(file=("t.jsonl", b"x" * 1000), purpose="fine-tune")
    assert ok.bytes == 1000
    with pytest.raises(openai.BadRequestError) as caught:
        await client.files.create(file=("t.jsonl", b"x" * 1001), purpose="fine-tune")
    assert "at most 1000 bytes" in caught.value.message
    upload = await client.uploads.create(
        filename="big.jsonl", purpose="fine-tune", bytes=3000, mime_type="text/jsonl"
    )
    await client.uploads.parts.create(upload.id, data=b"z" * 1000)
    with pytest.raises(openai.BadRequestError) as caught:
        await client.uploads.parts.create(upload.id, data=b"z" * 1001)
    assert caught.value.param == "data"


async def _first_record(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        records = [r for r in caplog.records if r.levelno >= logging.WARNING]
        if records:
            return records[0]
        await asyncio.sleep(0.02)
    raise AssertionError("the server logged nothing about the client that left")


@pytest.mark.parametrize(
    ("path", "content_type", "partial"),
    [
        ("/v1/chat/completions", "application/json", b'{"model": "gpt-4o-mini", "mess'),
        (
            "/v1/files",
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\nab',
        ),
    ],
    ids=["json", "multipart"],
)
async def test_a_client_leaving_mid_body_is_one_line(
    tcp: StartServer,
    caplog: pytest.LogCaptureFixture,
    path: str,
    content_type: str,
    partial: bytes,
) -> None:
    base = tcp()
    caplog.set_level(logging.WARNING)

    def leave() -> None:
        with _connect(base) as sock:
            sock.sendall(_head(path, 10_000, content_type) + partial)

    await asyncio.to_thread(leave)
    record = await _first_record(caplog)
    assert record.exc_info is None and record.levelno == logging.WARNING
    line = record.getMessage()
    assert "\n" not in line and path in line and "client left" in line
    async with openai.AsyncOpenAI(api_key="k", base_url=base, max_retries=0) as client:
        assert (await client.models.list()).data  # the server carries on
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [record]
