"""The services driving the real ``openai`` SDK against the in-process sandbox server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest

from tests.server.helpers import AdvancingSleep
from tests.service.sdk import sdk
from tuiftune.service.errors import AuthError
from tuiftune.service.files import upload_file
from tuiftune.service.inference import (
    CompletionResult,
    ModelKind,
    SamplingParams,
    TextDelta,
    list_models,
    stream_chat,
)
from tuiftune.service.jobs import Hyperparameters, JobRequest, JobsService, failure_message
from tuiftune.service.providers.openai import OpenAIJobs
from tuiftune.service.upload_cache import UploadCache
from tuiftune.service.watch import JobSnapshot, PollPolicy, watch

from .conftest import write_chat_file

MODEL = "gpt-4o-mini-2024-07-18"


async def start_job(
    client: openai.AsyncOpenAI, tmp_path: Path, **kw: Any
) -> tuple[JobsService, str]:
    path = write_chat_file(tmp_path / "train.jsonl", kw.pop("n", 12))
    up = await upload_file(
        sdk(client).files, path, model=MODEL, cache=UploadCache(tmp_path / "cache.json")
    )
    svc = JobsService(OpenAIJobs(client))
    job = await svc.create(JobRequest(model=MODEL, training_file=up.file.id, **kw))
    return svc, job.id


async def watch_all(
    client: openai.AsyncOpenAI, job_id: str, clock: Any, **policy: Any
) -> list[JobSnapshot]:
    sleep = AdvancingSleep(clock)
    pol = PollPolicy(page_limit=policy.pop("page_limit", 4), **policy)
    return [s async for s in watch(sdk(client).jobs, job_id, policy=pol, sleep=sleep, clock=clock)]


async def all_events_oldest_first(svc: JobsService, job_id: str) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page = await svc.events_page(job_id, after=after, limit=7)
        ids.extend(e.id for e in page.data)
        after = page.next_after
        if after is None:
            return list(reversed(ids))


async def test_full_lifecycle(
    sandbox: openai.AsyncOpenAI, manual_clock: Any, tmp_path: Path
) -> None:
    svc, job_id = await start_job(
        sandbox,
        tmp_path,
        suffix="adder",
        seed=3,
        hyperparameters=Hyperparameters(n_epochs=2),
        metadata={"test": "lifecycle"},
    )
    snaps = await watch_all(sandbox, job_id, manual_clock)
    final = snaps[-1].job
    assert final is not None and final.status == "succeeded"
    assert final.fine_tuned_model and final.fine_tuned_model.startswith(f"ft:{MODEL}")
    # Every event exactly once, oldest first, across many polls.
    seen = [e.id for s in snaps for e in s.events]
    assert len(seen) == len(set(seen))
    assert seen == await all_events_oldest_first(svc, job_id)
    assert sum(1 for s in snaps if s.events) > 2
    assert any(s.metrics for s in snaps)
    # Metrics from the result file and checkpoints.
    rows = await svc.result_metrics(final)
    assert rows and rows[-1].train_loss is not None
    checkpoints = await svc.checkpoints(job_id)
    assert 1 <= len(checkpoints) <= 3
    # The job shows up in the paginated list.
    assert job_id in [j.id async for j in svc.iter_jobs(limit=1)]
    # The model is listed and answers, streamed.
    models = await list_models(sdk(sandbox).inference)
    assert any(m.id == final.fine_tuned_model and m.kind is ModelKind.FINE_TUNED for m in models)
    items = [
        i
        async for i in stream_chat(
            sdk(sandbox).inference,
            final.fine_tuned_model,
            [{"role": "user", "content": "What is 2 + 2?"}],
            SamplingParams(max_tokens=20, seed=1, temperature=0),
        )
    ]
    assert any(isinstance(i, TextDelta) for i in items)
    result = items[-1]
    assert isinstance(result, CompletionResult) and result.finish_reason in ("stop", "length")
    assert result.text == "".join(i.text for i in items if isinstance(i, TextDelta))


async def test_cancel(sandbox: openai.AsyncOpenAI, manual_clock: Any, tmp_path: Path) -> None:
    svc, job_id = await start_job(sandbox, tmp_path)
    manual_clock.advance(5)
    job = await svc.cancel(job_id)
    assert job.status in ("cancelled", "cancelling")
    snaps = await watch_all(sandbox, job_id, manual_clock)
    assert snaps[-1].job is not None and snaps[-1].job.status == "cancelled"


async def test_pause_and_resume(
    sandbox: openai.AsyncOpenAI, manual_clock: Any, tmp_path: Path
) -> None:
    svc, job_id = await start_job(sandbox, tmp_path, hyperparameters=Hyperparameters(n_epochs=3))
    for _ in range(60):
        if (await svc.retrieve(job_id)).status == "running":
            break
        manual_clock.advance(1)
    paused = await svc.pause(job_id)
    assert str(paused.status) == "paused"  # not in the SDK's Literal, but real
    manual_clock.advance(300)
    assert str((await svc.retrieve(job_id)).status) == "paused"  # time passes, nothing moves
    resumed = await svc.resume(job_id)
    assert str(resumed.status) != "paused"
    snaps = await watch_all(sandbox, job_id, manual_clock)
    assert snaps[-1].job is not None and snaps[-1].job.status == "succeeded"


async def test_bad_file_fails_the_job_with_its_error(
    sandbox: openai.AsyncOpenAI, manual_clock: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "no answer"}]}\n' * 12)
    up = await upload_file(
        sdk(sandbox).files, bad, force=True, cache=UploadCache(tmp_path / "c.json")
    )
    svc = JobsService(OpenAIJobs(sandbox))
    job = await svc.create(JobRequest(model=MODEL, training_file=up.file.id))
    snaps = await watch_all(sandbox, job.id, manual_clock)
    final = snaps[-1].job
    assert final is not None and final.status == "failed"
    message = failure_message(final)
    assert message and "assistant" in message.lower()


async def test_wrong_key_is_auth_error(sandbox: openai.AsyncOpenAI) -> None:
    no_key = sandbox.with_options(default_headers={"Authorization": ""})
    with pytest.raises(AuthError):
        await JobsService(OpenAIJobs(no_key)).list_page()
