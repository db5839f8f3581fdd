# mypy: disable-error-code="import-not-found"
"""The Fireworks provider against the emulator built from the ``fireworks-ai`` SDK's models;
its requests are compared with the ones the official SDK sends for the same call."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest

from tests.emulators.base import Recorded, sdk_client
from tests.emulators.fireworks import ACCOUNT, BASE_URL, FireworksEmulator
from tuiftune.service.errors import (
    AuthError,
    BadRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.fireworks import FireworksFiles, Waiting
from tuiftune.service.providers.fireworks_mapping import (
    JOB_STATES,
    FireworksDeploymentInfo,
    FireworksJobInfo,
    FireworksJobOptions,
    job_from,
)
from tuiftune.service.types import Hyperparameters, JobSpec
from tuiftune.service.watch import JobWatcher, PollPolicy

BASE = "accounts/fireworks/models/llama-v3p1-8b-instruct"
ROWS = "".join(
    json.dumps(
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
    )
    + "\n"
    for i in range(10)
)


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
def emu() -> FireworksEmulator:
    return FireworksEmulator()


@pytest.fixture
def fw(emu: FireworksEmulator, build: Callable[..., Provider]) -> Provider:
    provider = build("fireworks", emu.app, BASE_URL, options={"account_id": ACCOUNT})
    assert isinstance(provider.files, FireworksFiles)
    provider.files.waiting = Waiting(interval=1, sleep=_no_sleep)
    return provider


async def _dataset(fw: Provider, tmp_path: Path, name: str = "train.jsonl") -> str:
    path = tmp_path / name
    path.write_text(ROWS)
    ref = await fw.files.upload(path, purpose="fine-tune", size=path.stat().st_size, md5="")
    return ref.id


def _wire(r: Recorded) -> tuple[str, str, dict[str, str], Any]:
    return (r.method, r.path, r.query, json.loads(r.body) if r.body else None)


def _sdk(emu: FireworksEmulator) -> Any:
    from fireworks import AsyncFireworks

    return AsyncFireworks(
        api_key="k",
        account_id=ACCOUNT,
        base_url=BASE_URL,
        http_client=sdk_client(emu.app, BASE_URL),
    )


async def test_requests_are_the_ones_the_sdk_sends(
    fw: Provider, emu: FireworksEmulator, tmp_path: Path
) -> None:
    ds = await _dataset(fw, tmp_path)
    spec = JobSpec(
        BASE,
        ds,
        hyperparameters=Hyperparameters(n_epochs=2, batch_size=16),
        validation_file=ds,
        suffix="triage",
        extras=(
            FireworksJobOptions(
                learning_rate=1e-4, lora_rank=8, max_context_length=4096, job_id="job-a"
            ),
        ),
    )
    mark = len(emu.faults.requests)
    await fw.jobs.create(spec)
    await fw.jobs.list(limit=5, after="0")
    assert fw.deployments is not None
    await fw.deployments.create("accounts/acme/models/out-1", name="out-1")
    ours = [_wire(r) for r in emu.faults.requests[mark:]]

    sdk = _sdk(emu)
    mark = len(emu.faults.requests)
    await sdk.supervised_fine_tuning_jobs.create(
        dataset=ds,
        base_model=BASE,
        epochs=2,
        batch_size_samples=16,
        learning_rate=1e-4,
        lora_rank=8,
        max_context_length=4096,
        evaluation_dataset=ds,
        display_name="triage",
        supervised_fine_tuning_job_id="job-a2",
    )
    await sdk.supervised_fine_tuning_jobs.list(
        page_size=5, page_token="0", order_by="create_time desc"
    )
    await sdk.deployments.create(
        base_model="accounts/acme/models/out-1",
        min_replica_count=0,
        max_replica_count=1,
        autoscaling_policy={"scale_to_zero_window": "3600s"},
        display_name="out-1",
        deployment_id=ours[2][2]["deploymentId"],
    )
    theirs = [_wire(r) for r in emu.faults.requests[mark:]]
    ours[0][2]["supervisedFineTuningJobId"] = "job-a2"  # the one id that differs on purpose
    assert ours == theirs


async def test_dataset_upload_waits_for_ready(
    fw: Provider, emu: FireworksEmulator, tmp_path: Path
) -> None:
    ds = await _dataset(fw, tmp_path)
    short = ds.rsplit("/", 1)[-1]
    assert ds == f"accounts/{ACCOUNT}/datasets/{short}" and emu.datasets[short]["state"] == "READY"
    assert emu.uploads[short].decode() == ROWS and emu.datasets[short]["exampleCount"] == "10"
    assert await _dataset(fw, tmp_path) == ds  # the same bytes again: the dataset is reused
    assert len(emu.uploads) == 1


async def test_lifecycle_train_watch_deploy_prompt(
    fw: Provider, emu: FireworksEmulator, tmp_path: Path
) -> None:
    ds = await _dataset(fw, tmp_path)
    job = await fw.jobs.create(JobSpec(BASE, ds, hyperparameters=Hyperparameters(n_epochs=1)))
    assert job.status == "validating_files"
    info = job.extra(FireworksJobInfo)
    assert info is not None and info.estimated_cost_usd == pytest.approx(2.5)
    assert info.describe() == "Fireworks: creating, estimated $2.50"

    watcher = JobWatcher(fw.jobs, job.id, policy=PollPolicy(settle=None), sleep=_no_sleep)
    snaps = []
    async for snap in watcher:
        snaps.append(snap)
        assert len(snaps) < 30, "the job never finished"
    final = snaps[-1].job
    assert final is not None and final.status == "succeeded"
    assert final.fine_tuned_model == f"accounts/{ACCOUNT}/models/{job.id}"
    messages = [e.message for s in snaps for e in s.events]
    assert "Job is running (50%)" in messages and messages[-1] == "Job is succeeded (100%)"

    model = final.fine_tuned_model or ""
    with pytest.raises(NotFoundError):
        await fw.inference.chat(model, [{"role": "user", "content": "hi"}])
    assert fw.deployments is not None
    dep = await fw.deployments.create(model)
    scaling = dep.extra(FireworksDeploymentInfo)  # type: ignore[attr-defined]
    assert scaling.describe() == "0-1 replicas, to zero after 3600s idle"
    assert (
        dep.status == "creating"
        and scaling.min_replicas == 0
        and scaling.scale_to_zero_window == "3600s"
    )
    assert (await fw.deployments.retrieve(dep.id)).status == "creating"
    assert (await fw.deployments.retrieve(dep.id)).status == "succeeded"
    answer = await fw.inference.chat(model, [{"role": "user", "content": "hi"}])
    assert answer.text == "fw says hi"
    assert [d.id for d in await fw.deployments.list()] == [dep.id]
    await fw.deployments.delete(dep.id)
    assert await fw.deployments.list() == []


async def test_failed_job_and_its_message(
    fw: Provider, emu: FireworksEmulator, tmp_path: Path
) -> None:
    ds = await _dataset(fw, tmp_path)
    emu.fail_next_job = True
    job = await fw.jobs.create(JobSpec(BASE, ds))
    for _ in range(5):
        job = await fw.jobs.retrieve(job.id)
    assert job.status == "failed" and job.error is not None
    assert job.error.message == "dataset row 3: messages is empty"
    events = (await fw.jobs.list_events(job.id)).data
    assert events[0].level == "error" and events[0].message == "dataset row 3: messages is empty"


def test_every_state_of_the_sdk_is_known_or_shown() -> None:
    from fireworks.types import SupervisedFineTuningJob

    states = set(get_args(get_args(SupervisedFineTuningJob.model_fields["state"].annotation)[0]))
    unmapped = states - set(JOB_STATES)
    assert unmapped == {
        "JOB_STATE_UNSPECIFIED",
        "JOB_STATE_DELETING",
        "JOB_STATE_DELETING_CLEANING_UP",
    }
    assert job_from({"name": "x", "state": "JOB_STATE_DELETING"}).status == "JOB_STATE_DELETING"
    assert job_from({"name": "x", "state": "JOB_STATE_WARP_SPEED"}).status == "JOB_STATE_WARP_SPEED"


async def test_cancel_and_pages(fw: Provider, emu: FireworksEmulator, tmp_path: Path) -> None:
    ds = await _dataset(fw, tmp_path)
    made = [(await fw.jobs.create(JobSpec(BASE, ds))).id for _ in range(3)]
    first = await fw.jobs.list(limit=2)
    assert [j.id for j in first.data] == made[::-1][:2] and first.next_after == "2"
    second = await fw.jobs.list(limit=2, after=first.next_after)
    assert [j.id for j in second.data] == [made[0]] and second.next_after is None
    assert (await fw.jobs.cancel(made[0])).status == "cancelled"


async def test_refusals_are_typed(fw: Provider, emu: FireworksEmulator, tmp_path: Path) -> None:
    with pytest.raises(BadRequestError) as err:  # FAILED_PRECONDITION: dataset not READY
        await fw.jobs.create(JobSpec(BASE, f"accounts/{ACCOUNT}/datasets/missing"))
    assert "not READY" in str(err.value)
    with pytest.raises(BadRequestError) as err:
        await fw.jobs.create(JobSpec(BASE, "d", method="dpo"))
    assert err.value.param == "method"
    emu.faults.fail(
        "GET", "supervisedFineTuningJobs/j1$", 401, {"error": {"code": 16, "message": "bad key"}}
    )
    with pytest.raises(AuthError):
        await fw.jobs.retrieve("j1")
    emu.faults.fail(
        "GET",
        "supervisedFineTuningJobs/j1$",
        429,
        {"error": {"message": "slow"}},
        headers={"Retry-After": "4"},
    )
    with pytest.raises(RateLimitedError) as limited:
        await fw.jobs.retrieve("j1")
    assert limited.value.retry_after == 4.0
    with pytest.raises(NotFoundError):
        await fw.jobs.retrieve("nope")
    emu.faults.fail("GET", "supervisedFineTuningJobs/j1$", 500, {"error": {"message": "internal"}})
    with pytest.raises(ServerError, match="internal"):
        await fw.jobs.retrieve("j1")
