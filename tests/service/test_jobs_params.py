"""Job request checks and the body that is sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest

from tuiftune.service.jobs import (
    Hyperparameters,
    InvalidJobRequestError,
    JobRequest,
    JobsService,
    check_job_request,
    failure_message,
    is_terminal,
)
from tuiftune.service.providers.openai import OpenAIJobs
from tuiftune.service.providers.openai_convert import build_create_body, job_from_openai
from tuiftune.service.types import Job

MockClient = Callable[[Any], openai.AsyncOpenAI]


def req(**kw: Any) -> JobRequest:
    hp = kw.pop("hp", {})
    return JobRequest(
        model="gpt-4o-mini-2024-07-18",
        training_file="file-1",
        hyperparameters=Hyperparameters(**hp),
        **kw,
    )


@pytest.mark.parametrize(
    ("kw", "ok"),
    [
        ({"hp": {"batch_size": "auto"}}, True),
        ({"hp": {"batch_size": 1}}, True),
        ({"hp": {"batch_size": 256}}, True),
        ({"hp": {"batch_size": 0}}, False),
        ({"hp": {"batch_size": 257}}, False),
        ({"hp": {"batch_size": 2.5}}, False),
        ({"hp": {"batch_size": True}}, False),
        ({"hp": {"learning_rate_multiplier": 0.1}}, True),
        ({"hp": {"learning_rate_multiplier": 0}}, False),
        ({"hp": {"learning_rate_multiplier": -1.0}}, False),
        ({"hp": {"n_epochs": 50}}, True),
        ({"hp": {"n_epochs": 51}}, False),
        ({"hp": {"n_epochs": "auto"}}, True),
        ({"method": "dpo", "hp": {"beta": 2}}, True),
        ({"method": "dpo", "hp": {"beta": 0.1}}, True),
        ({"method": "dpo", "hp": {"beta": 0}}, False),
        ({"method": "dpo", "hp": {"beta": 2.01}}, False),
        ({"method": "dpo", "hp": {"beta": "auto"}}, True),
        ({"hp": {"beta": 0.5}}, False),
        ({"suffix": "x" * 64}, True),
        ({"suffix": "x" * 65}, False),
        ({"suffix": ""}, False),
        ({"seed": 0}, True),
        ({"seed": 2147483647}, True),
        ({"seed": 2147483648}, False),
        ({"seed": -1}, False),
        ({"metadata": {f"k{i}": "v" for i in range(16)}}, True),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, False),
        ({"metadata": {"k" * 65: "v"}}, False),
        ({"metadata": {"k": "v" * 513}}, False),
        ({"integrations": [{"type": "wandb", "wandb": {}}]}, False),
        ({"integrations": [{"type": "wandb", "wandb": {"project": "p"}}]}, True),
    ],
)
def test_ranges(kw: dict[str, Any], ok: bool) -> None:
    assert (check_job_request(req(**kw)) == []) is ok


def test_body_shape_supervised_and_dpo() -> None:
    body = build_create_body(
        req(
            hp={"n_epochs": 3, "learning_rate_multiplier": "auto"},
            suffix="demo",
            seed=7,
            validation_file="file-2",
            metadata={"team": "a"},
        )
    )
    assert body == {
        "model": "gpt-4o-mini-2024-07-18",
        "training_file": "file-1",
        "method": {
            "type": "supervised",
            "supervised": {"hyperparameters": {"n_epochs": 3, "learning_rate_multiplier": "auto"}},
        },
        "validation_file": "file-2",
        "suffix": "demo",
        "seed": 7,
        "metadata": {"team": "a"},
    }
    dpo = build_create_body(req(method="dpo", hp={"beta": 0.2}))
    assert dpo["method"] == {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2}}}


async def test_invalid_request_is_not_sent(mock_client: MockClient) -> None:
    calls: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        return httpx2.Response(500)

    svc = JobsService(OpenAIJobs(mock_client(handler)))
    with pytest.raises(InvalidJobRequestError):
        await svc.create(req(hp={"n_epochs": 99}))
    assert calls == []


async def test_create_sends_body_and_pause_resume_paths(mock_client: MockClient) -> None:
    seen: list[tuple[str, str, Any]] = []
    job = {
        "id": "ftjob-1",
        "object": "fine_tuning.job",
        "created_at": 1,
        "model": "m",
        "organization_id": "org",
        "result_files": [],
        "status": "queued",
        "training_file": "file-1",
        "validation_file": None,
        "fine_tuned_model": None,
        "finished_at": None,
        "hyperparameters": {},
        "seed": 1,
        "trained_tokens": None,
        "error": None,
    }

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        status = "paused" if request.url.path.endswith("/pause") else "running"
        return httpx2.Response(200, json={**job, "status": status})

    svc = JobsService(OpenAIJobs(mock_client(handler)))
    await svc.create(req(suffix="s"))
    paused = await svc.pause("ftjob-1")
    assert str(paused.status) == "paused" and not is_terminal(paused.status)
    await svc.resume("ftjob-1")
    assert [(m, p) for m, p, _ in seen] == [
        ("POST", "/v1/fine_tuning/jobs"),
        ("POST", "/v1/fine_tuning/jobs/ftjob-1/pause"),
        ("POST", "/v1/fine_tuning/jobs/ftjob-1/resume"),
    ]
    assert seen[0][2]["suffix"] == "s" and seen[0][2]["method"]["type"] == "supervised"


async def test_pause_falls_back_to_raw_post_when_sdk_lacks_it(mock_client: MockClient) -> None:
    paths: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        paths.append(request.url.path)
        return httpx2.Response(
            200,
            json={"id": "ftjob-1", "object": "fine_tuning.job", "status": "paused"},
        )

    client = mock_client(handler)
    backend = OpenAIJobs(client)

    class NoPause:
        def __getattr__(self, name: str) -> Any:
            if name in ("pause", "resume"):
                raise AttributeError(name)
            return getattr(client.fine_tuning.jobs, name)

    class FT:
        jobs = NoPause()

    class Shim:
        fine_tuning = FT()
        post = client.post

    backend.client = Shim()  # type: ignore[assignment]
    job = await backend.pause("ftjob-1")
    assert str(job.status) == "paused" and paths == ["/v1/fine_tuning/jobs/ftjob-1/pause"]


def test_terminal() -> None:
    assert all(is_terminal(s) for s in ("succeeded", "failed", "cancelled"))
    assert not any(is_terminal(s) for s in ("validating_files", "queued", "running", "paused", "x"))


def test_failure_message() -> None:
    from openai.types.fine_tuning import FineTuningJob

    def job(status: str, error: object) -> Job:
        # As a server sends it, through the OpenAI provider's edge.
        return job_from_openai(FineTuningJob.construct(id="j", status=status, error=error))

    failed = job(
        "failed",
        {
            "code": "invalid_training_file",
            "message": "Line 3: no assistant message",
            "param": "training_file",
        },
    )
    assert failure_message(failed) == (
        "invalid_training_file: Line 3: no assistant message (parameter training_file)"
    )
    assert failure_message(job("running", None)) is None
    assert failure_message(job("succeeded", {})) is None
    assert failure_message(job("failed", None)) == "The job failed without saying why."
