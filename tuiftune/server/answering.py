"""Running a responder's pieces: one choice collected whole, or streams primed before replying."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from tuiftune.server.errors import APIError
from tuiftune.server.trainers.base import Piece

DISCONNECT_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Choice:
    """One finished choice: its text, how it ended, its tool calls and token counts."""

    text: str
    finish_reason: str
    tool_calls: list[dict[str, Any]]
    prompt_tokens: int
    completion_tokens: int


async def collect(pieces: AsyncIterator[Piece], request: Request | None = None) -> Choice:
    """Join a choice's text; the last piece tells how it ended. With ``request``, a client
    that goes away (a timeout, a cancelled eval) stops the generation instead of leaving it
    to run to its end and hold the model for everyone else."""
    if request is None:
        return await _collect(pieces)
    task = asyncio.ensure_future(_collect(pieces))
    try:
        while not (await asyncio.wait([task], timeout=DISCONNECT_POLL_SECONDS))[0]:
            if await request.is_disconnected():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise APIError(499, "The client closed the request", type="client_closed")
        return task.result()
    finally:
        task.cancel()


async def _collect(pieces: AsyncIterator[Piece]) -> Choice:
    parts: list[str] = []
    last = Piece(finish_reason="stop")
    async for piece in pieces:
        parts.append(piece.text)
        last = piece
    return Choice(
        "".join(parts),
        last.finish_reason or "stop",
        list(last.tool_calls or []),
        last.prompt_tokens,
        last.completion_tokens,
    )


async def primed(pieces: AsyncIterator[Piece]) -> AsyncIterator[Piece]:
    """Take the first piece now, so a failure (a model that will not load) is an HTTP error.

    Returns an iterator that yields that piece and then the rest.
    """
    try:
        first = await anext(pieces)
    except StopAsyncIteration:
        first = None

    async def chain() -> AsyncIterator[Piece]:
        if first is not None:
            yield first
        async for piece in pieces:
            yield piece

    return chain()
