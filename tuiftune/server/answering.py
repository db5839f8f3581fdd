"""Running a responder's pieces: one choice collected whole, or streams primed before replying."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from tuiftune.server.trainers.base import Piece


@dataclass(frozen=True)
class Choice:
    """One finished choice: its text, how it ended, its tool calls and token counts."""

    text: str
    finish_reason: str
    tool_calls: list[dict[str, Any]]
    prompt_tokens: int
    completion_tokens: int


async def collect(pieces: AsyncIterator[Piece]) -> Choice:
    """Join a choice's text; the last piece tells how it ended."""
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
