"""Eval through the Batch API: upload the requests, create a batch per model, watch, collect.

The batch ids are kept in ``<results>.batches.json`` as soon as they exist, so a run that is
killed while it waits re-attaches to its batches on resume instead of paying for them twice.
Results are scored exactly like live ones (``via: "batch"`` in the results file).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from tuiftune.evaluation.examples import EvalExample, TestSet
from tuiftune.evaluation.results import EvalResult
from tuiftune.service.errors import BadRequestError, NotFoundError, ServiceError
from tuiftune.service.evals_io import EvalRun
from tuiftune.service.evals_options import EvalOptions, JudgeSpec, gather_first_error
from tuiftune.service.providers.base import BatchesProvider, Provider
from tuiftune.service.types import BatchInfo, CompletionResult, SamplingParams, Usage

T = TypeVar("T")


class _Runner(Protocol):
    """What a batch run needs of the eval runner (``service.evals``), which passes itself."""

    provider: Provider
    test_set: TestSet
    options: EvalOptions
    sampling: SamplingParams
    run: EvalRun
    sleep: Callable[[float], Awaitable[None]]  # the run's sleep (virtual in tests)

    async def call(self, cost: int, send: Callable[[], Awaitable[T]]) -> T:
        """One request through the rate gate, retried."""

    def report(self, note: str = "") -> None:
        """Progress."""

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
        """A scored result."""

    async def judge(self, example: EvalExample, result: EvalResult, spec: JudgeSpec) -> None:
        """Add the judge's score."""

    def record(self, result: EvalResult) -> None:
        """Write a result."""


TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
MAX_ROUNDS = 2  # a second batch picks up what a cancelled or expired one left undone


def sidecar_path(results: Path) -> Path:
    """Where the batch ids of a run are kept."""
    return results.with_name(results.name + ".batches.json")


def _load_sidecar(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_sidecar(path: Path, data: dict[str, str]) -> None:
    if not data:
        path.unlink(missing_ok=True)
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
    os.replace(tmp, path)


def custom_id(example: EvalExample) -> str:
    """The batch ``custom_id`` of an example."""
    return f"ex-{example.index}"


def request_line(runner: _Runner, example: EvalExample, model: str) -> dict[str, Any]:
    """One ``BatchRequestInput`` line."""
    chat = example.messages is not None
    body: dict[str, Any] = {"model": model, **runner.sampling.kwargs(chat=chat)}
    if chat:
        body["messages"] = [dict(m) for m in example.messages or ()]
    else:
        body["prompt"] = example.prompt or ""
    url = "/v1/chat/completions" if chat else "/v1/completions"
    return {"custom_id": custom_id(example), "method": "POST", "url": url, "body": body}


def _batches(runner: _Runner) -> BatchesProvider:
    batches = runner.provider.batches
    if batches is None:
        raise BadRequestError(f"{runner.provider.label} has no Batch API; run without --batch")
    return batches


async def _submit(runner: _Runner, model: str, examples: Sequence[EvalExample]) -> BatchInfo:
    lines = "".join(json.dumps(request_line(runner, ex, model)) + "\n" for ex in examples)
    endpoint = "/v1/chat/completions" if runner.test_set.chat else "/v1/completions"
    files, batches = runner.provider.files, _batches(runner)

    async def upload() -> BatchInfo:
        file = await files.upload_bytes(
            "tuiftune-eval-batch.jsonl", lines.encode(), purpose="batch"
        )
        return await batches.create(
            file.id,
            endpoint=endpoint,
            completion_window="24h",
            metadata={"tuiftune": "eval", "model": model[:500]},
        )

    return await runner.call(0, upload)


async def _watch(runner: _Runner, batch_id: str, poll_interval: float) -> BatchInfo:
    batches = _batches(runner)

    async def retrieve() -> BatchInfo:
        return await batches.retrieve(batch_id)

    while True:
        batch = await runner.call(0, retrieve)
        counts = batch.request_counts
        done = f" {counts.completed + counts.failed}/{counts.total}" if counts else ""
        runner.report(f"batch {batch.status}{done} ({batch.id})")
        if batch.status in TERMINAL:
            return batch
        await runner.sleep(poll_interval)


async def _download(runner: _Runner, file_id: str | None) -> list[dict[str, Any]]:
    if not file_id:
        return []

    async def fetch() -> bytes:
        return await runner.provider.files.content(file_id)

    lines = []
    for raw in (await runner.call(0, fetch)).splitlines():
        try:
            value = json.loads(raw)
        except ValueError:
            continue  # a damaged line leaves its example undone, to be retried
        if isinstance(value, dict):
            lines.append(value)
    return lines


def _answer(body: dict[str, Any], chat: bool) -> CompletionResult:
    choices = body.get("choices") or [{}]
    first = choices[0] if isinstance(choices[0], dict) else {}
    if chat:
        message = first.get("message") or {}
        text = message.get("content") or ""
    else:
        text = first.get("text") or ""
    return CompletionResult(
        str(text),
        first.get("finish_reason"),
        Usage.from_mapping(body.get("usage")),
        body.get("model"),
        body.get("id"),
    )


async def _collect(
    runner: _Runner, batch: BatchInfo, model: str, pending: dict[int, EvalExample]
) -> None:
    """Score and write every answered request of a finished batch that is still pending."""
    lines = await _download(runner, batch.output_file_id)
    lines += await _download(runner, batch.error_file_id)
    by_id = {custom_id(ex): ex for ex in pending.values()}
    judged = []
    for line in lines:
        example = by_id.pop(str(line.get("custom_id")), None)
        response = line.get("response")
        if example is None or not isinstance(response, dict):
            continue  # not ours, already done, or never ran (cancelled / expired)
        status, body = response.get("status_code"), response.get("body") or {}
        if status == 200:
            got = _answer(body, runner.test_set.chat)
            result = runner.result(example, model, got.text, got=got, via="batch")
        elif isinstance(status, int) and 400 <= status < 500 and status != 429:
            error = body.get("error") or {}
            message = str(error.get("message") or f"status {status}")
            if status == 404 and error.get("code") == "model_not_found":
                # As with live calls: every other request of this model fails the same way.
                raise NotFoundError(f"Not found (404): {message}", status=404)
            result = runner.result(example, model, "", error=message, via="batch")
        else:
            continue  # 429 / 5xx: left pending for the next round or a resume
        judged.append((example, result))
    spec = runner.options.judge
    if spec is not None:
        gate = asyncio.Semaphore(max(1, runner.options.concurrency))

        async def judge(example: EvalExample, result: Any) -> None:
            async with gate:
                await runner.judge(example, result, spec)

        await asyncio.gather(*(judge(ex, r) for ex, r in judged))
    for example, result in judged:
        pending.pop(example.index, None)
        runner.record(result)


async def run_batches(
    runner: _Runner, pairs: Sequence[tuple[EvalExample, str]], results: Path, poll_interval: float
) -> None:
    """Run the pending pairs as one batch per model, concurrently; re-attach on resume."""
    by_model: dict[str, dict[int, EvalExample]] = {}
    for example, model in pairs:
        by_model.setdefault(model, {})[example.index] = example
    side = sidecar_path(results)
    known = await asyncio.to_thread(_load_sidecar, side)
    lock = asyncio.Lock()

    async def remember() -> None:
        # One write at a time, each of the state as it is then, so the file ends up current.
        async with lock:
            await asyncio.to_thread(_save_sidecar, side, dict(known))

    async def one_model(model: str, pending: dict[int, EvalExample]) -> None:
        for _ in range(MAX_ROUNDS):
            batch_id = known.get(model)
            if batch_id is None:
                batch = await _submit(runner, model, list(pending.values()))
                batch_id = known[model] = batch.id
                await remember()
            runner.run.batches.append(batch_id)
            batch = await _watch(runner, batch_id, poll_interval)
            if batch.status == "failed":
                # Providers that report validation errors carry them as ``errors`` (text).
                errors = [str(e) for e in getattr(batch, "errors", None) or ()]
                why = "; ".join(errors[:3]) or "no reason given"
                raise ServiceError(f"batch {batch.id} for {model} failed validation: {why}")
            await _collect(runner, batch, model, pending)
            known.pop(model, None)
            await remember()
            if not pending:
                return
        for index in pending:
            runner.run.failures.append((index, model, "no answer from the batch"))

    await gather_first_error(one_model(m, pending) for m, pending in by_model.items())
