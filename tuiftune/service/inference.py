"""Prompting a model through any provider: streamed chat and legacy completions, and the list
of models.

A stream yields ``TextDelta``s as tokens arrive and ends with one ``CompletionResult`` that
carries the full text, the finish reason and the usage (when the server reports it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from tuiftune.service.providers.base import InferenceProvider
from tuiftune.service.types import (
    CompletionResult,
    ModelInfo,
    ModelKind,
    SamplingParams,
    StreamItem,
    TextDelta,
    Usage,
    classify_model,
)

__all__ = [
    "CompletionResult",
    "ModelEntry",
    "ModelInfo",
    "ModelKind",
    "SamplingParams",
    "StreamItem",
    "TextDelta",
    "Usage",
    "chat",
    "classify_model",
    "complete",
    "list_models",
    "sort_models",
    "stream_chat",
    "stream_completion",
]

ModelEntry = ModelInfo
"""The older name of ``ModelInfo``."""


def stream_chat(
    inference: InferenceProvider,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    params: SamplingParams | None = None,
    *,
    include_usage: bool = True,
) -> AsyncIterator[StreamItem]:
    """Stream a chat completion: text deltas, then a ``CompletionResult``."""
    return inference.stream_chat(model, messages, params, include_usage=include_usage)


def stream_completion(
    inference: InferenceProvider,
    model: str,
    prompt: str,
    params: SamplingParams | None = None,
    *,
    include_usage: bool = True,
) -> AsyncIterator[StreamItem]:
    """Stream a legacy completion (babbage-002/davinci-002 style): deltas, then the result."""
    return inference.stream_completion(model, prompt, params, include_usage=include_usage)


async def chat(
    inference: InferenceProvider,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    params: SamplingParams | None = None,
) -> CompletionResult:
    """One chat completion, not streamed (for eval runs)."""
    return await inference.chat(model, messages, params)


async def complete(
    inference: InferenceProvider,
    model: str,
    prompt: str,
    params: SamplingParams | None = None,
) -> CompletionResult:
    """One legacy completion, not streamed."""
    return await inference.complete(model, prompt, params)


def sort_models(models: Iterable[ModelInfo]) -> list[ModelInfo]:
    """Fine-tuned models first, then checkpoints, then base models; newest first in each."""
    order = {ModelKind.FINE_TUNED: 0, ModelKind.CHECKPOINT: 1, ModelKind.BASE: 2}
    return sorted(models, key=lambda m: (order[m.kind], -(m.created or 0), m.id))


async def list_models(inference: InferenceProvider) -> list[ModelInfo]:
    """Every model of the endpoint, classified and sorted (see ``sort_models``)."""
    return sort_models(await inference.list_models())
