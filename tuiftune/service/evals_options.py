"""Options of an eval run, and how one output becomes a scored result line."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from tuiftune.evaluation.classification import predicted_label
from tuiftune.evaluation.examples import EvalExample, TestSet
from tuiftune.evaluation.judge import Rubric
from tuiftune.evaluation.metrics import DEFAULT_METRICS, score_example
from tuiftune.evaluation.results import EvalResult
from tuiftune.service.inference import CompletionResult, SamplingParams


@dataclass(frozen=True)
class JudgeSpec:
    """LLM-as-judge: the judge model and the user's rubric."""

    model: str
    rubric: Rubric


@dataclass(frozen=True)
class EvalOptions:
    """How a run behaves."""

    concurrency: int = 4
    metrics: tuple[str, ...] = DEFAULT_METRICS
    sampling: SamplingParams = field(default_factory=lambda: SamplingParams(temperature=0.0))
    rpm: float | None = None  # requests per minute budget (all workers together)
    tpm: float | None = None  # tokens per minute budget (estimated, then corrected by usage)
    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    judge: JudgeSpec | None = None
    seed: int | None = None  # jitter of the backoff


class GiveUp(Exception):
    """A request still failed after every attempt; its pair stays undone for a resume."""


def answer_budget(examples: Iterable[EvalExample]) -> int:
    """An answer length that fits the longest reference twice over (4 characters a token),
    64 at least: a small open model that never stops would otherwise write to its context
    length on every example and stall the run."""
    longest = max((len(e.reference) for e in examples), default=0)
    return max(64, longest // 2 + 32)


def estimate_tokens(example: EvalExample, sampling: SamplingParams) -> int:
    """A rough token cost for budgeting: 4 characters a token, plus the answer's allowance."""
    return len(example.prompt_text()) // 4 + 8 + (sampling.max_tokens or 256)


def build_result(
    test_set: TestSet,
    options: EvalOptions,
    example: EvalExample,
    model: str,
    text: str,
    got: CompletionResult | None = None,
    latency: int | None = None,
    error: str | None = None,
    via: str = "live",
) -> EvalResult:
    """A scored result line for one output."""
    usage = got.usage if got else None
    return EvalResult(
        index=example.index,
        model=model,
        output=text,
        reference=example.reference,
        scores=score_example(text, example.reference, options.metrics),
        key=example.key,
        label=predicted_label(text, test_set.labels) if test_set.labels else None,
        error=error,
        finish_reason=got.finish_reason if got else None,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
        latency_ms=latency,
        via=via,
    )


async def gather_first_error(coros: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run coroutines in a task group; the first failure cancels the rest and is raised as is."""
    try:
        async with asyncio.TaskGroup() as group:
            for coro in coros:
                group.create_task(coro)
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
