"""The eval runner: a test set through one or two models, results appended as they arrive.

``run_eval`` runs ``concurrency`` workers over the (example, model) pairs not yet in the results
file. Every request passes the shared ``RateGate`` (429 pauses, RPM/TPM budgets); transient
errors are retried with backoff; a request the server refuses for good is recorded as an error
result; a missing model or a bad key stops the run. Cancel the task at any moment: results
already received are written, and ``resume=True`` picks up where it stopped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tuiftune.evaluation.examples import EvalExample, TestSet
from tuiftune.evaluation.judge import judge_messages, judge_record
from tuiftune.evaluation.metrics import metrics_loaded, preload_metrics
from tuiftune.evaluation.results import EvalResult
from tuiftune.service.errors import (
    AuthError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceError,
)
from tuiftune.service.evals_batch import run_batches
from tuiftune.service.evals_gate import Backoff, Clock, RateGate, Sleep
from tuiftune.service.evals_io import (
    EvalProgress,
    EvalRun,
    ResultsFileError,
    ResultsWriteError,
    ResultWriter,
    check_writable,
    open_results,
    pending_pairs,
)
from tuiftune.service.evals_options import (
    EvalOptions,
    GiveUp,
    JudgeSpec,
    build_result,
    estimate_tokens,
    gather_first_error,
)
from tuiftune.service.evals_replies import MalformedReplyError, checked
from tuiftune.service.providers.base import InferenceProvider, Provider
from tuiftune.service.types import CompletionResult, SamplingParams

__all__ = [
    "EvalOptions",
    "EvalProgress",
    "EvalRun",
    "GiveUp",
    "JudgeSpec",
    "ResultsFileError",
    "ResultsWriteError",
    "as_provider",
    "check_writable",
    "run_eval",
]

T = TypeVar("T")
ProgressCallback = Callable[[EvalProgress], None]


FATAL = (AuthError, PermissionDeniedError, NotFoundError, MalformedReplyError)
# Parameters that are the same in every request: a 400 naming one would fail them all.
_RUN_WIDE_PARAMS = ("model", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop")


class _Runner:
    def __init__(
        self,
        provider: Provider,
        test_set: TestSet,
        options: EvalOptions,
        run: EvalRun,
        writer: ResultWriter,
        progress: ProgressCallback | None,
        clock: Clock,
        sleep: Sleep,
    ) -> None:
        # The gate does the waiting: the provider's own retries would hide 429s from it.
        self.provider = provider
        self.inference: InferenceProvider = provider.inference.without_retries()
        self.test_set = test_set
        self.options = options
        self.run = run
        self.writer = writer
        self.progress = progress
        self.clock = clock
        self.sleep = sleep
        self.gate = RateGate(rpm=options.rpm, tpm=options.tpm, clock=clock, sleep=sleep)
        self.backoff = Backoff(options.backoff_base, options.backoff_cap, options.seed)
        self.started = clock()
        sampling = options.sampling
        if not test_set.chat and test_set.stop and sampling.stop is None:
            sampling = dataclasses.replace(sampling, stop=test_set.stop)
        self.sampling = sampling

    async def call(self, cost: int, send: Callable[[], Awaitable[T]]) -> T:
        """One request through the gate, retried until it succeeds or attempts run out."""
        last = "no attempt made"
        for attempt in range(self.options.max_attempts):
            await self.gate.acquire(cost)
            try:
                result = await checked(send)
            except RateLimitedError as exc:
                self.run.rate_limited += 1
                self.gate.pause(exc.retry_after or self.backoff.delay(attempt))
                last = exc.message
            except FATAL:
                raise
            except BadRequestError as exc:
                if exc.param in _RUN_WIDE_PARAMS:
                    raise
                raise _Refused(exc.message) from exc
            except ServiceError as exc:
                if not exc.transient:
                    raise _Refused(exc.message) from exc
                last = exc.message
                await self.sleep(self.backoff.delay(attempt))
            else:
                usage = result.usage if isinstance(result, CompletionResult) else None
                self.gate.settle(cost, usage.total_tokens if usage else None)
                return result
            self.run.retries += 1
        raise GiveUp(last)

    async def answer(self, example: EvalExample, model: str) -> CompletionResult:
        cost = estimate_tokens(example, self.sampling)
        if example.messages is not None:
            return await self.call(
                cost, lambda: self.inference.chat(model, example.messages or (), self.sampling)
            )
        return await self.call(
            cost, lambda: self.inference.complete(model, example.prompt or "", self.sampling)
        )

    async def evaluate(self, example: EvalExample, model: str) -> EvalResult:
        started = self.clock()
        try:
            got = await self.answer(example, model)
        except _Refused as exc:
            return self.result(example, model, "", error=str(exc))
        latency = int((self.clock() - started) * 1000)
        result = self.result(example, model, got.text, got=got, latency=latency)
        if self.options.judge is not None:
            await self.judge(example, result, self.options.judge)
        return result

    def result(
        self,
        example: EvalExample,
        model: str,
        text: str,
        *,
        got: CompletionResult | None = None,
        latency: int | None = None,
        error: str | None = None,
        via: str = "live",
    ) -> EvalResult:
        """Score one output; ``evals_batch`` builds its results the same way."""
        return build_result(
            self.test_set, self.options, example, model, text, got, latency, error, via
        )

    async def judge(self, example: EvalExample, result: EvalResult, spec: JudgeSpec) -> None:
        messages = judge_messages(spec.rubric, example, result.output)
        params = SamplingParams(temperature=0.0)
        try:
            verdict = await self.call(
                estimate_tokens(example, params) + len(result.output) // 4,
                lambda: self.inference.chat(spec.model, messages, params),
            )
        except (GiveUp, _Refused) as exc:
            result.scores["judge"] = None
            result.judge = {"model": spec.model, "score": None, "error": str(exc)}
            return
        score, record = judge_record(spec.rubric, spec.model, verdict.text)
        result.scores["judge"] = score
        result.judge = record

    def report(self, note: str = "") -> None:
        if self.progress is None:
            return
        run = self.run
        elapsed = max(1e-9, self.clock() - self.started)
        rate = run.new / elapsed
        done = run.resumed + run.new
        left = max(0, run.total - done - len(run.failures))
        eta = left / rate if rate > 0 else None
        self.progress(
            EvalProgress(
                done=done,
                total=run.total,
                new=run.new,
                failed=len(run.failures),
                elapsed=elapsed,
                rate=rate,
                eta=eta,
                paused_for=self.gate.paused_for(),
                retries=run.retries,
                note=note,
            )
        )

    def record(self, result: EvalResult) -> None:
        self.writer.put(result)
        self.run.results.append(result)
        self.run.new += 1
        self.report()

    async def work(self, pairs: list[tuple[EvalExample, str]]) -> None:
        queue = iter(pairs)
        failures = self.run.failures

        async def worker() -> None:
            for example, model in queue:
                try:
                    result = await self.evaluate(example, model)
                except GiveUp as exc:
                    failures.append((example.index, model, str(exc)))
                    self.report()
                    continue
                self.record(result)

        count = max(1, min(self.options.concurrency, len(pairs)))
        await self.until_write_fails(gather_first_error(worker() for _ in range(count)))

    async def until_write_fails(self, work: Awaitable[None]) -> None:
        """Run ``work``, stopping it with ``ResultsWriteError`` the moment a write fails."""
        task = asyncio.ensure_future(work)
        watch = asyncio.ensure_future(self.writer.watch())
        try:
            await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not task.done():
                task.cancel()
            watch.cancel()
            await asyncio.gather(task, watch, return_exceptions=True)
        if watch.done() and not watch.cancelled() and watch.exception() is not None:
            raise self.writer.error or ResultsWriteError("cannot write the results")
        task.result()


class _Refused(Exception):
    """The server refused this one request for good; it becomes an error result."""


def as_provider(source: Provider | Any) -> Provider:
    """A provider as it is; a bare SDK client (older call sites, tests) wrapped in one."""
    if isinstance(source, Provider):
        return source
    from tuiftune.service.providers.openai import coerce_client

    provider: Provider = coerce_client(source)
    return provider


async def run_eval(
    provider: Provider | Any,
    test_set: TestSet,
    models: Sequence[str],
    out: str | Path,
    *,
    options: EvalOptions | None = None,
    resume: bool = False,
    batch: bool = False,
    progress: ProgressCallback | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    poll_interval: float = 10.0,
) -> EvalRun:
    """Evaluate ``models`` on ``test_set``, appending each result to ``out`` as it arrives.

    Raises ``ResultsFileError`` for an unusable results file, and the fatal ``ServiceError``s
    (bad key, unknown model) that make every further request pointless.
    """
    options = options or EvalOptions()
    models = tuple(dict.fromkeys(models))
    if not models:
        raise ValueError("at least one model is needed")
    provider = as_provider(provider)
    path = Path(out)
    if not metrics_loaded(options.metrics):
        if progress is not None:
            total = len(test_set.examples) * len(models)
            progress(EvalProgress(0, total, 0, 0, 0.0, 0.0, None, note="loading scorers…"))
        # Scorers load now, off the event loop and before any request is paid for: loaded at
        # the first result, they held its line back for seconds (a kill then paid twice).
        await asyncio.to_thread(preload_metrics, options.metrics)
    parsed, mine = await open_results(path, test_set, models, resume=resume)
    run = EvalRun(models, len(test_set.examples) * len(models), list(mine), resumed=len(mine))
    run.bad_lines = parsed.bad_lines
    pairs = pending_pairs(test_set.examples, models, {(r.index, r.model) for r in mine})
    writer = ResultWriter(path)
    await writer.start()
    started = clock()
    runner = _Runner(provider, test_set, options, run, writer, progress, clock, sleep)
    try:
        runner.report()
        if pairs and batch:
            await runner.until_write_fails(run_batches(runner, pairs, path, poll_interval))
        elif pairs:
            await runner.work(pairs)
    finally:
        await writer.close()
        run.elapsed = clock() - started
    return run
