# mypy: disable-error-code="import-not-found"
"""The Together provider against the emulator built from the ``together`` SDK's types."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest

from tests.emulators.together import BASE_URL, TogetherEmulator
from tuiftune.service.errors import (
    BadRequestError,
    NotFoundError,
)
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.together import TogetherJobs, create_body
from tuiftune.service.providers.together_mapping import (
    STATUS_MAP,
    TogetherJobInfo,
    TogetherJobOptions,
    TogetherModelLimits,
    TogetherPriceEstimate,
    limits_from,
)
from tuiftune.service.types import Hyperparameters, JobSpec
from tuiftune.service.watch import JobWatcher, PollPolicy

MODEL = "meta-llama/Llama-3.2-3B-Instruct"
ROWS = [
    {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
    for i in range(10)
]


@pytest.fixture
def emu() -> TogetherEmulator:
    return TogetherEmulator()


@pytest.fixture
def together(emu: TogetherEmulator, build: Callable[..., Provider]) -> Provider:
    return build("together", emu.app, BASE_URL)


def _train_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return path


async def _upload(together: Provider, tmp_path: Path) -> str:
    path = _train_file(tmp_path)
    ref = await together.files.upload(path, purpose="fine-tune", size=path.stat().st_size, md5="")
    return ref.id


SPECS: dict[str, tuple[JobSpec, dict[str, Any]]] = {
    "sft-default": (JobSpec(MODEL, "file-1"), {}),
    "sft-lora": (
        JobSpec(
            MODEL,
            "file-1",
            hyperparameters=Hyperparameters(
                n_epochs=3, batch_size=16, learning_rate_multiplier=2.0
            ),
            validation_file="file-2",
            suffix="triage",
            seed=7,
            extras=(TogetherJobOptions(lora=True, lora_rank=8, n_checkpoints=2, n_evals=3),),
        ),
        dict(
            n_epochs=3,
            batch_size=16,
            learning_rate=2e-5,
            validation_file="file-2",
            suffix="triage",
            random_seed=7,
            lora=True,
            lora_r=8,
            n_checkpoints=2,
            n_evals=3,
        ),
    ),
    "dpo-full": (
        JobSpec(
            MODEL,
            "file-1",
            method="dpo",
            hyperparameters=Hyperparameters(beta=0.2),
            extras=(TogetherJobOptions(lora=False, learning_rate=3e-6, lr_scheduler="linear"),),
        ),
        dict(
            training_method="dpo",
            dpo_beta=0.2,
            lora=False,
            learning_rate=3e-6,
            lr_scheduler_type="linear",
        ),
    ),
    "from-checkpoint": (
        JobSpec(MODEL, "file-1", extras=(TogetherJobOptions(from_checkpoint="ft-0001:4"),)),
        dict(model=None, from_checkpoint="ft-0001:4"),
    ),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_create_body_is_the_one_the_sdk_builds(name: str) -> None:
    from together.lib.resources.fine_tuning import create_finetune_request
    from together.types import FinetuneModelLimits

    spec, sdk_args = SPECS[name]
    raw_limits = TogetherEmulator.limits_json(MODEL)
    args: dict[str, Any] = {"model": MODEL, "training_file": "file-1", "validation_file": None}
    args.update(sdk_args)
    request, _, _ = create_finetune_request(
        model_limits=FinetuneModelLimits.model_validate(raw_limits), **args
    )
    ours = create_body(spec, limits_from(raw_limits))
    assert ours == request.model_dump(exclude_none=True)


def test_every_status_of_the_sdk_is_mapped() -> None:
    from together.types import FinetuneResponse

    sdk_statuses = set(get_args(FinetuneResponse.model_fields["status"].annotation))
    assert sdk_statuses <= set(STATUS_MAP)
    assert {STATUS_MAP[s] for s in sdk_statuses} <= {
        "queued",
        "running",
        "succeeded",
        "failed",
        "cancelled",
    }


async def test_lifecycle_upload_create_watch_checkpoints_prompt(
    together: Provider, emu: TogetherEmulator, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    path = _train_file(tmp_path)
    size = path.stat().st_size
    ref = await together.files.upload(
        path, purpose="fine-tune", size=size, md5="", on_progress=lambda a, b: seen.append((a, b))
    )
    assert (
        ref.bytes == size and ref.status == "COMPLETED" and emu.blobs[ref.id] == path.read_bytes()
    )
    assert seen[-1] == (size, size)
    put = next(r for r in emu.faults.requests if r.method == "PUT")
    assert "authorization" not in put.headers  # the presigned URL never sees the key

    spec = JobSpec(MODEL, ref.id, hyperparameters=Hyperparameters(n_epochs=2), suffix="demo")
    job = await together.jobs.create(spec)
    assert job.status == "queued" and job.model == MODEL
    assert isinstance(job.extra(TogetherModelLimits), TogetherModelLimits)
    estimate = job.extra(TogetherPriceEstimate)
    assert (
        estimate is not None and estimate.available and estimate.total_usd == pytest.approx(0.006)
    )

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    watcher = JobWatcher(together.jobs, job.id, policy=PollPolicy(settle=None), sleep=sleep)
    snaps = []
    async for snap in watcher:
        snaps.append(snap)
        assert len(snaps) < 40, "the job never finished"
    final = snaps[-1].job
    assert final is not None and final.status == "succeeded"
    assert final.fine_tuned_model == f"user/Llama-3.2-3B-Instruct-{job.id}"
    infos = [s.job.extra(TogetherJobInfo) for s in snaps if s.job is not None]
    statuses = [info.raw_status for info in infos if info is not None]
    assert set(statuses) == {"queued", "running", "compressing", "uploading", "completed"}
    points = [p for s in snaps for p in s.metrics]
    assert [p.step for p in points] == [1, 2, 3, 4]
    assert points[0].train_loss == pytest.approx(2.0) and points[-1].valid_loss == pytest.approx(
        0.55
    )
    messages = [e.message for s in snaps for e in s.events if e.type == "message"]
    assert messages[0] == "Fine tune request created" and "Job completed" in messages
    ids = [e.id for s in snaps for e in s.events]
    assert len(ids) == len(set(ids))

    checkpoints = await together.jobs.list_checkpoints(job.id)
    assert [c.step_number for c in checkpoints.data] == [4]
    answer = await together.inference.chat(
        final.fine_tuned_model or "", [{"role": "user", "content": "hi"}]
    )
    assert answer.text == f"echo from {final.fine_tuned_model}: hi"


async def test_failed_job_carries_its_message(
    together: Provider, emu: TogetherEmulator, tmp_path: Path
) -> None:
    file_id = await _upload(together, tmp_path)
    emu.fail_next_job_at = 2
    job = await together.jobs.create(JobSpec(MODEL, file_id))
    for _ in range(10):
        job = await together.jobs.retrieve(job.id)
        if job.status == "failed":
            break
    assert job.status == "failed"
    assert job.error is not None and job.error.message == "CUDA out of memory at step 2"


async def test_unknown_status_is_shown_as_it_comes(
    together: Provider, emu: TogetherEmulator, tmp_path: Path
) -> None:
    from together.types import FinetuneResponse

    from tests.emulators.contract import ContractError, strict

    file_id = await _upload(together, tmp_path)
    job = await together.jobs.create(JobSpec(MODEL, file_id))
    emu.unknown_status = "paused_for_maintenance"
    with pytest.raises(ContractError):  # a status newer than the SDK: its model refuses it
        strict(FinetuneResponse, emu.job_json(emu.jobs[job.id]))
    got = await together.jobs.retrieve(job.id)
    assert got.status == "paused_for_maintenance"


async def test_cancel_goes_through_cancel_requested(together: Provider, tmp_path: Path) -> None:
    file_id = await _upload(together, tmp_path)
    job = await together.jobs.create(JobSpec(MODEL, file_id))
    cancelled = await together.jobs.cancel(job.id)
    info = cancelled.extra(TogetherJobInfo)
    assert (
        cancelled.status == "running" and info is not None and info.raw_status == "cancel_requested"
    )
    assert (await together.jobs.retrieve(job.id)).status == "cancelled"


async def test_limits_refuse_before_anything_is_spent(
    together: Provider, emu: TogetherEmulator, tmp_path: Path
) -> None:
    file_id = await _upload(together, tmp_path)
    spec = JobSpec(
        MODEL,
        file_id,
        hyperparameters=Hyperparameters(batch_size=64),
        extras=(TogetherJobOptions(lora=True),),
    )
    with pytest.raises(BadRequestError) as err:
        await together.jobs.create(spec)
    assert err.value.param == "batch_size" and "8-32" in str(err.value)
    assert not [r for r in emu.faults.requests if r.method == "POST" and r.path == "/v1/fine-tunes"]
    with pytest.raises(NotFoundError):
        await together.jobs.create(JobSpec("nobody/unknown-model", file_id))


async def test_list_is_newest_first_in_pages(together: Provider, tmp_path: Path) -> None:
    file_id = await _upload(together, tmp_path)
    made = [(await together.jobs.create(JobSpec(MODEL, file_id))).id for _ in range(3)]
    first = await together.jobs.list(limit=2)
    assert [j.id for j in first.data] == made[::-1][:2] and first.has_more
    second = await together.jobs.list(after=first.next_after, limit=2)
    assert [j.id for j in second.data] == [made[0]] and not second.has_more
    assert (await together.jobs.list(metadata={"run": "x"})).data == []


async def test_the_official_sdk_reads_the_emulator(
    emu: TogetherEmulator, together: Provider, tmp_path: Path
) -> None:
    from together import AsyncTogether

    from tests.emulators.base import sdk_client

    file_id = await _upload(together, tmp_path)
    job = await together.jobs.create(JobSpec(MODEL, file_id))
    http = sdk_client(emu.app, BASE_URL)
    sdk = AsyncTogether(api_key="k", base_url=BASE_URL, http_client=http)
    got = await sdk.fine_tuning.retrieve(job.id)
    assert got.id == job.id and got.status in ("pending", "queued")
    assert (await sdk.fine_tuning.list_events(job.id)).data[0].type == "job_pending"
    assert (await sdk.files.retrieve(file_id)).filename == "train.jsonl"
    await http.aclose()


async def test_the_same_bytes_twice_reuse_the_file(
    together: Provider, emu: TogetherEmulator, tmp_path: Path
) -> None:
    first = await _upload(together, tmp_path)
    again = await _upload(together, tmp_path)  # 409 from the upload URL: Together keeps one copy
    assert again == first and len(emu.files) == 1
    with pytest.raises(BadRequestError) as err:
        await together.files.upload_bytes("notes.txt", b"x", purpose="fine-tune")
    assert err.value.param == "file"


async def test_the_watchers_copy_keeps_event_order(together: Provider, tmp_path: Path) -> None:
    file_id = await _upload(together, tmp_path)
    job = await together.jobs.create(JobSpec(MODEL, file_id))
    for _ in range(4):
        await together.jobs.retrieve(job.id)
    before = await together.jobs.list_events(job.id)
    watching = together.jobs.for_watching(5.0)
    for _ in range(2):
        await watching.retrieve(job.id)
    after = await watching.list_events(job.id)
    new = [e.id for e in after.data if e.id not in {b.id for b in before.data}]
    assert new and [e.id for e in after.data[: len(new)]] == new  # newer events come first


async def test_extras_describe_themselves_for_the_jobs_area(
    together: Provider, emu: TogetherEmulator, tmp_path: Path
) -> None:
    file_id = await _upload(together, tmp_path)
    job = await together.jobs.create(
        JobSpec(MODEL, file_id, hyperparameters=Hyperparameters(n_epochs=2))
    )
    estimate = job.extra(TogetherPriceEstimate)
    assert estimate is not None
    assert estimate.describe() == "estimated $0.01 for 2,000 training tokens"
    queued = await together.jobs.retrieve(job.id)
    info = queued.extra(TogetherJobInfo)
    assert info is not None and info.describe() == "Together: queued, 3 ahead in the queue"
    assert TogetherPriceEstimate(
        False, unavailable_reason="train_file_not_validated"
    ).describe() == ("no price estimate (train file not validated)")


async def test_the_estimate_request_is_the_one_the_sdk_sends(
    together: Provider, emu: TogetherEmulator, tmp_path: Path
) -> None:
    from together import AsyncTogether

    from tests.emulators.base import sdk_client

    file_id = await _upload(together, tmp_path)
    assert isinstance(together.jobs, TogetherJobs)
    spec = JobSpec(
        MODEL, file_id, hyperparameters=Hyperparameters(n_epochs=3), validation_file=file_id
    )
    mark = len(emu.faults.requests)
    await together.jobs.estimate_price(spec)
    ours = json.loads(emu.faults.requests[mark].body)

    http = sdk_client(emu.app, BASE_URL)
    sdk = AsyncTogether(api_key="k", base_url=BASE_URL, http_client=http)
    mark = len(emu.faults.requests)
    # What the SDK's create passes (lora unset: training_type None; SFT with train_on_inputs auto).
    await sdk.fine_tuning.estimate_price(
        training_file=file_id,
        validation_file=file_id,
        model=MODEL,
        n_epochs=3,
        n_evals=0,
        training_type=None,
        training_method={"method": "sft", "train_on_inputs": "auto"},
    )
    assert ours == json.loads(emu.faults.requests[mark].body)
    await http.aclose()
