"""The local trainer's server side against a stand-in engine (contract files and signals):
lifecycle, names, queue, controls, validation at POST, restore. Real training: test_training.py.
"""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

import openai
import pytest

from .conftest import StartServer
from .helpers import chat_rows, eventually, legacy_rows, method, pid_alive, upload
from .real import SAMPLES

pytestmark = pytest.mark.usefixtures("fake_pace")


@pytest.fixture
def fake_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds per fake step (the engine inherits the server's environment)."""
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.01")


async def _status(
    client: openai.AsyncOpenAI, job_id: str, *wanted: str, timeout: float = 30
) -> Any:
    return await eventually(
        lambda: client.fine_tuning.jobs.retrieve(job_id), lambda j: j.status in wanted, timeout
    )


async def _events(client: openai.AsyncOpenAI, job_id: str) -> list[Any]:
    page = await client.fine_tuning.jobs.list_events(job_id, limit=1000)
    return list(reversed(page.data))


async def test_a_supervised_job_trains_and_its_models_answer(fake_server: StartServer) -> None:
    server = fake_server()
    client = server.client
    file_id = await upload(client, chat_rows(12))
    job = await client.fine_tuning.jobs.create(
        training_file=file_id,
        model="tiny-base",
        suffix="tix",
        method=method(n_epochs=4, batch_size=4, lora_r=4),
    )
    assert job.status in ("queued", "running")
    shown = job.model_dump()["method"]["supervised"]["hyperparameters"]
    # Resolved at POST, the LoRA extras with OpenAI's own.
    assert shown["n_epochs"] == 4 and shown["batch_size"] == 4
    assert shown["lora_r"] == 4 and shown["lora_alpha"] == 16.0 and shown["max_seq_len"] == 256
    done = await _status(client, job.id, "succeeded", "failed")
    assert done.status == "succeeded", done.error
    short = done.fine_tuned_model.rsplit(":", 1)[1]
    assert done.fine_tuned_model == f"ft:tiny-base:local:tix:{short}"
    assert done.trained_tokens == 12 * 40 and done.finished_at is not None

    events = await _events(client, job.id)
    metrics = [e.data for e in events if e.type == "metrics"]
    assert [m["step"] for m in metrics] == list(range(1, 13))
    assert {"train_loss", "train_mean_token_accuracy", "total_steps"} <= set(metrics[0])
    texts = [e.message for e in events]
    assert texts[0] == f"Created fine-tuning job: {job.id}"
    # The engine's phase messages pass through as they are; its structured lines do not repeat.
    assert texts.count("Tokenized 12 training examples") == 1
    assert not any(t.startswith("Tokenized 12 examples") for t in texts)
    assert texts[-1] == "The job has successfully completed"

    checkpoints = (await client.fine_tuning.jobs.checkpoints.list(job.id)).data
    assert [c.step_number for c in checkpoints] == [12, 9, 6]  # the last three epochs
    assert checkpoints[0].fine_tuned_model_checkpoint == f"{done.fine_tuned_model}:ckpt-step-12"
    assert checkpoints[0].metrics.train_loss == pytest.approx(2.0 * 0.5**4)

    csv = base64.b64decode((await client.files.content(done.result_files[0])).read()).decode()
    assert (
        csv.splitlines()[0] == "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"
    )
    assert len(csv.splitlines()) == 13

    ids = [m.id async for m in await client.models.list()]
    assert ids[0] == "tiny-base" and done.fine_tuned_model in ids
    reply = await client.chat.completions.create(
        model=done.fine_tuned_model, messages=[{"role": "user", "content": "hello there"}]
    )
    assert reply.choices[0].message.content == "final@tiny-base heard: hello there"
    assert reply.usage is not None and reply.usage.completion_tokens == 4
    ckpt = checkpoints[1].fine_tuned_model_checkpoint
    stream = await client.chat.completions.create(
        model=ckpt, messages=[{"role": "user", "content": "hi"}], stream=True, max_tokens=2
    )
    chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "step-000009@tiny-base heard: "
    assert chunks[-1].choices[0].finish_reason == "length"
    base = await client.completions.create(model="tiny-base", prompt="ticket 3 ->", max_tokens=50)
    assert base.choices[0].text == "base@tiny-base heard: ticket 3 ->"


async def test_legacy_data_and_bad_input(fake_server: StartServer) -> None:
    client = fake_server().client
    legacy = await client.fine_tuning.jobs.create(
        training_file=await upload(client, legacy_rows(10)), model="tiny-base"
    )
    with pytest.raises(openai.BadRequestError) as bad:
        await client.fine_tuning.jobs.create(
            training_file=await upload(client, chat_rows()),
            model="tiny-base",
            method=method(lora_r=0),
        )
    assert "lora_r" in bad.value.message
    with pytest.raises(openai.BadRequestError):
        await client.fine_tuning.jobs.create(training_file=legacy.training_file, model="gpt-4o")
    dpo_file = await upload(client, chat_rows())
    wrong = await client.fine_tuning.jobs.create(
        training_file=dpo_file, model="tiny-base", method=method("dpo")
    )
    assert wrong.status == "failed" and wrong.error is not None
    assert "needs dpo format" in wrong.error.message
    done = await _status(client, legacy.id, "succeeded", "failed")
    assert done.status == "succeeded"


async def test_one_job_per_device_the_rest_queued(fake_server: StartServer) -> None:
    client = fake_server().client
    file_id = await upload(client, chat_rows(12))
    hyper = method(n_epochs=2)
    first = await client.fine_tuning.jobs.create(
        training_file=file_id, model="tiny-base", method=hyper
    )
    second = await client.fine_tuning.jobs.create(
        training_file=file_id, model="tiny-base", method=hyper
    )
    assert first.status == "running" and second.status == "queued"
    assert "Job queued: position 1 of 1, waiting for a free device" in [
        e.message for e in await _events(client, second.id)
    ]
    await _status(client, first.id, "succeeded")
    assert (await _status(client, second.id, "succeeded")).status == "succeeded"


async def test_the_queue_position_is_told_again_as_the_queue_moves(
    fake_server: StartServer,
) -> None:
    client = fake_server().client
    file_id = await upload(client, chat_rows(12))
    hyper = method(n_epochs=2)
    jobs = [
        await client.fine_tuning.jobs.create(training_file=file_id, model="tiny-base", method=hyper)
        for _ in range(3)
    ]
    assert [j.status for j in jobs] == ["running", "queued", "queued"]

    def queue_lines(events: list[Any]) -> list[str]:
        return [e.message for e in events if e.message.startswith("Job queued")]

    await _status(client, jobs[1].id, "running", "succeeded")
    third = await eventually(
        lambda: _events(client, jobs[2].id), lambda es: len(queue_lines(es)) >= 2
    )
    assert queue_lines(third) == [
        "Job queued: position 2 of 2, waiting for a free device",
        "Job queued: position 1 of 1, waiting for a free device",
    ]
    assert queue_lines(await _events(client, jobs[1].id)) == [
        "Job queued: position 1 of 1, waiting for a free device"
    ]
    assert (await _status(client, jobs[2].id, "succeeded")).status == "succeeded"


async def test_cancel_stops_the_engine_within_five_seconds(
    fake_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.5")
    server = fake_server()
    client = server.client
    job = await client.fine_tuning.jobs.create(
        training_file=await upload(client, chat_rows(40)), model="tiny-base"
    )
    await eventually(
        lambda: _events(client, job.id), lambda es: sum(e.type == "metrics" for e in es) >= 2
    )
    running = await client.fine_tuning.jobs.retrieve(job.id)
    # From the measured pace (0.5 s a step; 40 examples -> 3 epochs of 40 steps): about a minute.
    assert running.estimated_finish is not None
    assert 30 < running.estimated_finish - time.time() < 90
    pid = server.trainer.processes[job.id].pid
    started = time.monotonic()
    cancelled = await client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    deadline = started + 5
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(pid)
    assert (await client.fine_tuning.jobs.retrieve(job.id)).status == "cancelled"


async def test_pause_then_resume_continues_from_the_state(fake_server: StartServer) -> None:
    client = fake_server().client
    job = await client.fine_tuning.jobs.create(
        training_file=await upload(client, chat_rows(12)),
        model="tiny-base",
        method=method(n_epochs=30),
    )
    await eventually(
        lambda: _events(client, job.id), lambda es: any(e.type == "metrics" for e in es)
    )
    paused = await client.fine_tuning.jobs.pause(job.id)
    assert paused.status == "paused"  # type: ignore[comparison-overlap]
    events = await eventually(
        lambda: _events(client, job.id),
        lambda es: any(e.message.startswith("Fine-tuning job paused at step") for e in es),
    )
    at = int(re.findall(r"\d+", next(e.message for e in events if "paused at" in e.message))[0])
    again = await client.fine_tuning.jobs.retrieve(job.id)
    assert again.status == "paused"
    await client.fine_tuning.jobs.resume(job.id)
    done = await _status(client, job.id, "succeeded", "failed")
    assert done.status == "succeeded", done.error
    steps = [e.data["step"] for e in await _events(client, job.id) if e.type == "metrics"]
    assert steps == list(range(1, 361)) and 0 < at < 360  # nothing lost, nothing repeated


async def test_a_restarted_server_continues_a_running_job(
    fake_server: StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.05")
    state = tmp_path / "shared-state"
    first = fake_server(state_dir=state)
    job = await first.client.fine_tuning.jobs.create(
        training_file=await upload(first.client, chat_rows(12)),
        model="tiny-base",
        method=method(n_epochs=5),
    )
    await eventually(
        lambda: _events(first.client, job.id), lambda es: any(e.type == "metrics" for e in es)
    )
    first.trainer.options.cancel_grace_seconds = 5
    pid = first.trainer.processes[job.id].pid
    await first.client.close()
    # Stop the first server (its shutdown pauses the engine) and start another on its state.
    first.stop()
    second = fake_server(state_dir=state)
    assert not pid_alive(pid)
    done = await _status(second.client, job.id, "succeeded", "failed")
    assert done.status == "succeeded", done.error
    events = await _events(second.client, job.id)
    assert any(e.message.startswith("The server restarted; the job continues") for e in events)
    steps = sorted({e.data["step"] for e in events if e.type == "metrics"})
    assert steps == list(range(1, 61))


async def test_a_restart_without_the_base_model_fails_the_job_clearly(
    fake_server: StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.2")
    state = tmp_path / "shared-state"
    first = fake_server(state_dir=state)
    job = await first.client.fine_tuning.jobs.create(
        training_file=await upload(first.client, chat_rows(12)), model="tiny-base"
    )
    await _status(first.client, job.id, "running")
    await first.client.close()
    first.stop()
    other = tmp_path / "other-base"
    other.mkdir()
    (other / "config.json").write_text("{}")
    second = fake_server(state_dir=state, base_models={"other-base": str(other)})
    failed = await second.client.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.message == (
        "The server restarted without the base model tiny-base (give --base-model)"
    )


async def test_dpo_starts_from_a_supervised_adapter(fake_server: StartServer) -> None:
    server = fake_server()
    client = server.client
    first = await client.fine_tuning.jobs.create(
        training_file=await upload(client, chat_rows(12)), model="tiny-base", suffix="sft"
    )
    sft = await _status(client, first.id, "succeeded", "failed")
    assert sft.status == "succeeded" and sft.fine_tuned_model
    preferences = (SAMPLES / "support-dpo.jsonl").read_text(encoding="utf-8").splitlines()
    dpo = await client.fine_tuning.jobs.create(
        training_file=await upload(client, [json.loads(line) for line in preferences]),
        model=sft.fine_tuned_model,
        method=method("dpo", beta=0.2, n_epochs=1),
    )
    assert dpo.model == sft.fine_tuned_model
    done = await _status(client, dpo.id, "succeeded", "failed")
    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model.startswith("ft:tiny-base:local::")
    hyper = done.model_dump()["method"]["dpo"]["hyperparameters"]
    assert hyper["beta"] == 0.2
    run = server.trainer.journal(await _record(server, dpo.id)).run_dir
    config = json.loads((run / "config.json").read_text())
    assert config["method"] == "dpo" and config["hyperparameters"]["beta"] == 0.2
    sft_run = server.trainer.journal(await _record(server, first.id)).run_dir
    assert config["from_adapter"] == str(sft_run / "final")


async def _record(server: Any, job_id: str) -> Any:
    return server.trainer.host.store.jobs[job_id]
