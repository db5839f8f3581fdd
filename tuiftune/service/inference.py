"""Prompting a model: streamed chat and legacy completions, and the list of models.

A stream yields ``TextDelta``s as tokens arrive and ends with one ``CompletionResult`` that
carries the full text, the finish reason and the usage (when the server reports it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

import openai
from openai import AsyncStream
from openai.types import Completion, CompletionUsage
from openai.types.chat import ChatCompletionChunk

from tuiftune.service.errors import translated


@dataclass(frozen=True)
class SamplingParams:
    """Sampling settings; None leaves a setting to the server."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    max_tokens_field: str = "max_tokens"
    """``max_completion_tokens`` for reasoning models; most compatible servers know max_tokens."""

    def kwargs(self, *, chat: bool) -> dict[str, Any]:
        """Request arguments for the SDK, without the unset ones."""
        field = self.max_tokens_field if chat else "max_tokens"
        out = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            field: self.max_tokens,
            "stop": self.stop,
            "seed": self.seed,
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class TextDelta:
    """A piece of generated text."""

    text: str


@dataclass(frozen=True)
class CompletionResult:
    """The end of a generation."""

    text: str
    finish_reason: str | None
    usage: CompletionUsage | None
    model: str | None = None
    id: str | None = None


StreamItem = TextDelta | CompletionResult


def _usage_kwargs(include_usage: bool) -> dict[str, Any]:
    return {"stream_options": {"include_usage": True}} if include_usage else {}


async def _relay(
    stream: AsyncStream[Any], text_of: Callable[[Any], str | None]
) -> AsyncIterator[StreamItem]:
    """Turn SDK chunks into deltas plus one final result; closes the stream however it ends."""
    parts: list[str] = []
    finish: str | None = None
    usage: CompletionUsage | None = None
    model_name: str | None = None
    completion_id: str | None = None
    async with stream:
        async for chunk in stream:
            model_name = chunk.model or model_name
            completion_id = chunk.id or completion_id
            usage = chunk.usage or usage
            for choice in chunk.choices:
                if choice.index != 0:
                    continue
                text = text_of(choice)
                if text:
                    parts.append(text)
                    yield TextDelta(text)
                finish = choice.finish_reason or finish
    yield CompletionResult("".join(parts), finish, usage, model_name, completion_id)


def _chat_text(choice: Any) -> str | None:
    return choice.delta.content if choice.delta else None


def _completion_text(choice: Any) -> str | None:
    text: str | None = choice.text
    return text


async def stream_chat(
    client: openai.AsyncOpenAI,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    params: SamplingParams | None = None,
    *,
    include_usage: bool = True,
) -> AsyncIterator[StreamItem]:
    """Stream a chat completion: text deltas, then a ``CompletionResult``."""
    params = params or SamplingParams()
    async with translated():
        response = await client.chat.completions.create(
            model=model,
            messages=list(messages),  # type: ignore[arg-type]
            stream=True,
            **_usage_kwargs(include_usage),
            **params.kwargs(chat=True),
        )
        stream = cast(AsyncStream[ChatCompletionChunk], response)
        async for item in _relay(stream, _chat_text):
            yield item


async def stream_completion(
    client: openai.AsyncOpenAI,
    model: str,
    prompt: str,
    params: SamplingParams | None = None,
    *,
    include_usage: bool = True,
) -> AsyncIterator[StreamItem]:
    """Stream a legacy completion (babbage-002/davinci-002 style): deltas, then the result."""
    params = params or SamplingParams()
    async with translated():
        stream: AsyncStream[Completion] = await client.completions.create(
            model=model,
            prompt=prompt,
            stream=True,
            **_usage_kwargs(include_usage),
            **params.kwargs(chat=False),
        )
        async for item in _relay(stream, _completion_text):
            yield item


async def chat(
    client: openai.AsyncOpenAI,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    params: SamplingParams | None = None,
) -> CompletionResult:
    """One chat completion, not streamed (for eval runs)."""
    params = params or SamplingParams()
    async with translated():
        resp = await client.chat.completions.create(
            model=model,
            messages=list(messages),  # type: ignore[arg-type]
            **params.kwargs(chat=True),
        )
    choice = resp.choices[0] if resp.choices else None
    text = (choice.message.content or "") if choice else ""
    finish = choice.finish_reason if choice else None
    return CompletionResult(text, finish, resp.usage, resp.model, resp.id)


async def complete(
    client: openai.AsyncOpenAI,
    model: str,
    prompt: str,
    params: SamplingParams | None = None,
) -> CompletionResult:
    """One legacy completion, not streamed."""
    params = params or SamplingParams()
    async with translated():
        resp = await client.completions.create(
            model=model, prompt=prompt, **params.kwargs(chat=False)
        )
    choice = resp.choices[0] if resp.choices else None
    return CompletionResult(
        choice.text if choice else "",
        choice.finish_reason if choice else None,
        resp.usage,
        resp.model,
        resp.id,
    )


class ModelKind(StrEnum):
    """Where a model comes from."""

    BASE = "base"
    FINE_TUNED = "fine-tuned"
    CHECKPOINT = "checkpoint"


@dataclass(frozen=True)
class ModelEntry:
    """One model the endpoint serves."""

    id: str
    kind: ModelKind
    base_model: str | None
    owned_by: str | None = None
    created: int | None = None


def classify_model(model_id: str) -> tuple[ModelKind, str | None]:
    """Kind and base model of a model id (``ft:BASE:org:suffix:id[:ckpt-step-N]``)."""
    if not model_id.startswith("ft:"):
        return ModelKind.BASE, None
    parts = model_id.split(":")
    base = parts[1] if len(parts) > 1 and parts[1] else None
    if any(p.startswith("ckpt-step-") for p in parts[2:]):
        return ModelKind.CHECKPOINT, base
    return ModelKind.FINE_TUNED, base


def sort_models(models: Iterable[ModelEntry]) -> list[ModelEntry]:
    """Fine-tuned models first, then checkpoints, then base models; newest first in each."""
    order = {ModelKind.FINE_TUNED: 0, ModelKind.CHECKPOINT: 1, ModelKind.BASE: 2}
    return sorted(models, key=lambda m: (order[m.kind], -(m.created or 0), m.id))


async def list_models(client: openai.AsyncOpenAI) -> list[ModelEntry]:
    """Every model of the endpoint, classified and sorted (see ``sort_models``)."""
    out: list[ModelEntry] = []
    async with translated():
        async for model in client.models.list():
            kind, base = classify_model(model.id)
            created = getattr(model, "created", None)
            out.append(
                ModelEntry(
                    model.id,
                    kind,
                    base,
                    getattr(model, "owned_by", None),
                    created if isinstance(created, int) else None,
                )
            )
    return sort_models(out)
