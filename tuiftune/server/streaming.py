"""Server-sent events the way OpenAI streams them: ``data: {...}`` and a final ``[DONE]``."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any

from starlette.responses import StreamingResponse

_PIECE = re.compile(r"\S+\s*|\s+")


def split_chunks(text: str) -> list[str]:
    """Small pieces (a word and its trailing space) that join back to ``text`` exactly."""
    return _PIECE.findall(text)


def sse(data: dict[str, Any]) -> bytes:
    """One event."""
    return b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"


async def _aiter(chunks: Iterable[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    for chunk in chunks:
        yield chunk


async def _events(chunks: AsyncIterable[dict[str, Any]], delay: float) -> AsyncIterator[bytes]:
    i = 0
    async for chunk in chunks:
        if delay and i:
            await asyncio.sleep(delay)
        i += 1
        yield sse(chunk)
    yield b"data: [DONE]\n\n"


def event_stream(
    chunks: Iterable[dict[str, Any]] | AsyncIterable[dict[str, Any]], delay_ms: int
) -> StreamingResponse:
    """A streaming response of ``chunks`` followed by ``[DONE]``."""
    return StreamingResponse(
        _events(chunks if isinstance(chunks, AsyncIterable) else _aiter(chunks), delay_ms / 1000),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache"},
    )
