"""Fine-tuning jobs over time: lifecycle, events, checkpoints, results, cancel, pause/resume."""

from __future__ import annotations

import base64
import csv
import io

import openai
import pytest

from .helpers import Sandbox, chat_rows, jsonl

pytestmark = pytest.mark.usefixtures("dataset_core")


async def test_full_lifecycle(sandbox: Sandbox) -> None:
    job = await sandbox.job(suffix="vault", seed=42, metadata={"team": "blue"})
    assert job.status == "validating_files"
    assert job.fine_tuned_model is None and job.trained_tokens is None
    assert job.hyperparameters.n_epochs == "auto"
    assert job.model == "gpt-4o-mini-2024-07-18"
    assert (job.seed, job.metadata) == (42, {"team": "blue"})

    sandbox.clock.advance(2)
    job = await sandbox.client.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "queued"
    # 12 examples: auto epochs rise to ceil(100 / 12) = 9, batch size 1.
    assert (job.hyperparameters.n_epochs, job.hyperparameters.batch_size) == (9, 1)
    assert job.method is not None and job.method.supervised is not None

    sandbox.clock.advance(11)
    job = await sandbox.client.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "running"
    # 2 s validating, 1 s queued, 108 steps of 1 s, 1 s to publish the model.
    assert job.estimated_finish == job.created_at + 112

    job = await sandbox.finish(job.id)
    assert job.status == "succeeded"
    assert job.fine_tuned_model is not None
    assert job.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:sandbox:vault:")
    assert job.finished_at == job.created_at + 112
    assert job.estimated_finish is None
    assert job.trained_tokens is not None and job.trained_tokens % 9 == 0
    assert job.trained_tokens > 9 * 12 * 10

    [result_id] = job.result_files
    result = await sandbox.client.files.retrieve(result_id)
    assert result.purpose == "fine-tune-results"
    raw = (await sandbox.client.files.content(result_id)).read()
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(raw, validate=True).decode())))
    assert list(rows[0]) == [
        "step",
        "train_loss",
        "train_accuracy",
        "valid_loss",
        "valid_mean_token_accuracy",
    ]
    assert [int(r["step"]) for r in rows] == list(range(1, 109))
    assert rows[0]["valid_loss"] == ""  # no validation file, so never computed
    first = sum(float(r["train_loss"]) for r in rows[:10])
    last = sum(float(r["train_loss"]) for r in rows[-10:])
    assert last < first / 3

    checkpoints = await sandbox.client.fine_tuning.jobs.checkpoints.list(job.id)
    assert [c.step_number for c in checkpoints.data] == [108, 96, 84]
    for checkpoint in checkpoints.data:
        assert checkpoint.fine_tuned_model_checkpoint.endswith(
            f":ckpt-step-{checkpoint.step_number}"
        )
        assert checkpoint.metrics.train_loss is not None
    # Reading again changes nothing: the same results file, the same checkpoints.
    again = await sandbox.client.fine_tuning.jobs.retrieve(job.id)
    assert again.result_files == job.result_files
    models = [m.id async for m in await sandbox.client.models.list()]
    assert job.fine_tuned_model in models


async def test_events_are_newest_first_and_page_without_duplicates(sandbox: Sandbox) -> None:
    job = await sandbox.job(hyperparameters={"n_epochs": 2}, validation_file=None)
    job = await sandbox.finish(job.id)
    events = await sandbox.all_events(job.id, limit=7)
    ids = [e.id for e in events]
    assert len(ids) == len(set(ids))
    messages = [e.message for e in reversed(events)]
    assert messages[0] == f"Created fine-tuning job: {job.id}"
    assert messages[1] == f"Validating training file: {job.training_file}"
    assert "Fine-tuning job started" in messages
    assert messages[-1] == "The job has successfully completed"
    assert any(m.startswith("New fine-tuned model created: ft:") for m in messages)
    assert sum(m.startswith("Checkpoint created at step ") for m in messages) == 2
    times = [e.created_at for e in events]
    assert times == sorted(times, reverse=True)

    metrics = [e for e in reversed(events) if e.type == "metrics"]
    assert len(metrics) == 24  # 12 examples x 2 epochs, batch size 1
    assert metrics[11].message.startswith("Step 12/24: training loss=")
    assert metrics[0].data is not None
    assert metrics[0].data["step"] == 1 and metrics[0].data["total_steps"] == 24
    assert {"train_loss", "train_mean_token_accuracy"} <= set(metrics[0].data)

    first = await sandbox.client.fine_tuning.jobs.list_events(job.id)
    assert [e.id for e in first.data] == ids[:20] and first.has_more


async def test_tailing_a_live_job_sees_each_event_once(sandbox: Sandbox) -> None:
    job = await sandbox.job(hyperparameters={"n_epochs": 1})
    seen: list[str] = []
    for _ in range(30):
        sandbox.clock.advance(0.7)
        # The documented tailing recipe: newest page, then older pages until a known id.
        fresh: list[str] = []
        after = None
        while True:
            kwargs = {"limit": 3, **({"after": after} if after else {})}
            page = await sandbox.client.fine_tuning.jobs.list_events(job.id, **kwargs)  # type: ignore[arg-type]
            new = [e.id for e in page.data if e.id not in seen]
            fresh.extend(new)
            if len(new) < len(page.data) or not page.has_more:
                break
            after = page.data[-1].id
        seen.extend(reversed(fresh))
    everything = [e.id for e in await sandbox.all_events(job.id)]
    assert seen == everything[::-1]


async def test_validation_file_adds_validation_metrics(sandbox: Sandbox) -> None:
    valid = await sandbox.upload(jsonl(chat_rows(12)), "valid.jsonl")
    job = await sandbox.job(validation_file=valid, hyperparameters={"n_epochs": 2})
    job = await sandbox.finish(job.id)
    assert job.validation_file == valid
    events = await sandbox.all_events(job.id, limit=100)
    messages = [e.message for e in events]
    assert f"Validating validation file: {valid}" in messages
    epoch_end = next(e for e in events if e.type == "metrics" and e.data and e.data["step"] == 12)
    assert epoch_end.data is not None
    assert {"valid_loss", "full_valid_loss", "full_valid_mean_token_accuracy"} <= set(
        epoch_end.data
    )
    checkpoints = await sandbox.client.fine_tuning.jobs.checkpoints.list(job.id, limit=1)
    assert checkpoints.has_more and checkpoints.data[0].metrics.full_valid_loss is not None
    older = await sandbox.client.fine_tuning.jobs.checkpoints.list(
        job.id, after=checkpoints.data[0].id
    )
    assert [c.step_number for c in older.data] == [12]


async def test_cancel(sandbox: Sandbox) -> None:
    job = await sandbox.job()
    sandbox.clock.advance(10)
    cancelled = await sandbox.client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    assert cancelled.finished_at == int(sandbox.clock())
    later = await sandbox.finish(job.id)
    assert later.status == "cancelled" and later.fine_tuned_model is None
    events = await sandbox.client.fine_tuning.jobs.list_events(job.id, limit=1)
    assert events.data[0].message == "Fine-tuning job cancelled"
    with pytest.raises(openai.BadRequestError):
        await sandbox.client.fine_tuning.jobs.cancel(job.id)


async def test_pause_and_resume(sandbox: Sandbox) -> None:
    job = await sandbox.job(hyperparameters={"n_epochs": 1})  # 12 steps
    with pytest.raises(openai.BadRequestError):
        await sandbox.client.fine_tuning.jobs.pause(job.id)  # still validating
    sandbox.clock.advance(8)  # 5 steps done
    paused = await sandbox.client.fine_tuning.jobs.pause(job.id)
    assert paused.status == "paused"  # type: ignore[comparison-overlap]
    sandbox.clock.advance(1000)
    still = await sandbox.client.fine_tuning.jobs.retrieve(job.id)
    assert still.status == "paused"
    steps = [e for e in await sandbox.all_events(job.id, 50) if e.type == "metrics"]
    assert len(steps) == 5

    resumed = await sandbox.client.fine_tuning.jobs.resume(job.id)
    assert resumed.status == "running"
    assert resumed.estimated_finish == int(sandbox.clock()) + 8
    done = await sandbox.finish(job.id, 8)
    assert done.status == "succeeded"
    assert done.finished_at == job.created_at + 16 + 1000
    messages = [e.message for e in await sandbox.all_events(job.id, 50)]
    assert messages.index("Fine-tuning job resumed") < messages.index("Fine-tuning job paused")


async def test_list_jobs_pages_and_filters_by_metadata(sandbox: Sandbox) -> None:
    file_id = await sandbox.upload(jsonl(chat_rows()))
    ids = []
    for i in range(5):
        metadata = {"batch": "a" if i % 2 else "b", "n": str(i)}
        job = await sandbox.client.fine_tuning.jobs.create(
            model="gpt-4o-mini", training_file=file_id, metadata=metadata if i < 4 else None
        )
        ids.append(job.id)
    page = await sandbox.client.fine_tuning.jobs.list(limit=2)
    assert [j.id for j in page.data] == ids[::-1][:2] and page.has_more
    everything = [j.id async for j in await sandbox.client.fine_tuning.jobs.list(limit=2)]
    assert everything == ids[::-1]
    after = await sandbox.client.fine_tuning.jobs.list(after=ids[3])
    assert [j.id for j in after.data] == ids[2::-1]
    a_jobs = await sandbox.client.fine_tuning.jobs.list(metadata={"batch": "a"})
    assert [j.id for j in a_jobs.data] == [ids[3], ids[1]]
    both = await sandbox.client.fine_tuning.jobs.list(metadata={"batch": "b", "n": "2"})
    assert [j.id for j in both.data] == [ids[2]]
    no_metadata = await sandbox.client.fine_tuning.jobs.list(extra_query={"metadata": "null"})
    assert [j.id for j in no_metadata.data] == [ids[4]]


async def test_unknown_job_is_404(sandbox: Sandbox) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        await sandbox.client.fine_tuning.jobs.retrieve("ftjob-missing")
    assert info.value.code == "fine_tune_not_found"
