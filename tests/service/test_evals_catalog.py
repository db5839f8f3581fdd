"""The model catalog over the provider interfaces: concurrent checkpoint lists, warnings, order."""

from __future__ import annotations

import asyncio
from typing import Any

from tuiftune.service.catalog import (
    CHECKPOINT_CALLS,
    default_eval_models,
    default_playground_models,
    load_catalog,
)
from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import InferenceProvider, JobsProvider, Provider
from tuiftune.service.types import Checkpoint, Job, ModelInfo, ModelKind, Page, classify_model

BASE = "gpt-4o-mini-2024-07-18"


def tuned(n: int) -> str:
    return f"ft:{BASE}:org::job{n}"


class FakeJobs(JobsProvider):
    """Jobs whose checkpoint lists take a moment; counts how many are asked at once."""

    def __init__(self, jobs: int, fail: bool = False) -> None:
        self.jobs = [
            Job(f"job{n}", "succeeded" if n % 3 else "failed", BASE, n, tuned(n))
            for n in range(jobs)
        ]
        self.fail = fail
        self.active = 0
        self.peak = 0

    async def list(self, **_: Any) -> Page[Job]:
        if self.fail:
            raise ServiceError("jobs are unavailable")
        return Page(list(self.jobs), False)

    async def list_checkpoints(self, job_id: str, **_: Any) -> Page[Checkpoint]:
        self.active += 1
        self.peak = max(self.peak, self.active)
        await asyncio.sleep(0.01)
        self.active -= 1
        name = f"ft:{BASE}:org::{job_id}:ckpt-step-10"
        return Page([Checkpoint(f"ck-{job_id}", 10, name)], False)

    async def create(self, spec: Any) -> Job:
        raise NotImplementedError

    async def retrieve(self, job_id: str) -> Job:
        raise NotImplementedError

    async def cancel(self, job_id: str) -> Job:
        raise NotImplementedError

    async def list_events(self, job_id: str, **_: Any) -> Any:
        raise NotImplementedError

    async def file_content(self, file_id: str) -> bytes:
        raise NotImplementedError


class FakeInference(InferenceProvider):
    def __init__(self, names: list[str]) -> None:
        self.names = names

    async def list_models(self) -> list[ModelInfo]:
        return [ModelInfo(n, *classify_model(n)) for n in self.names]

    def stream_chat(self, *a: Any, **k: Any) -> Any:
        raise NotImplementedError

    def stream_completion(self, *a: Any, **k: Any) -> Any:
        raise NotImplementedError

    async def chat(self, *a: Any, **k: Any) -> Any:
        raise NotImplementedError

    async def complete(self, *a: Any, **k: Any) -> Any:
        raise NotImplementedError


def provider(jobs: FakeJobs, models: list[str]) -> Provider:
    return Provider("fake", "FAKE", jobs, None, FakeInference(models))  # type: ignore[arg-type]


async def test_checkpoints_are_fetched_concurrently_and_bounded() -> None:
    jobs = FakeJobs(12)
    catalog = await load_catalog(provider(jobs, [BASE, "babbage-002"]))
    assert 1 < jobs.peak <= CHECKPOINT_CALLS
    kinds = [m.kind for m in catalog.models]
    assert kinds == sorted(
        kinds, key=[ModelKind.FINE_TUNED, ModelKind.CHECKPOINT, ModelKind.BASE].index
    )
    succeeded = [j for j in jobs.jobs if j.status == "succeeded"]
    assert {m.id for m in catalog.models if m.kind is ModelKind.CHECKPOINT} == {
        f"ft:{BASE}:org::{j.id}:ckpt-step-10" for j in succeeded
    }
    assert catalog.warnings == []
    assert next(m for m in catalog.models if m.id == "babbage-002").legacy


async def test_a_failing_source_is_a_warning_and_defaults_follow_the_catalog() -> None:
    catalog = await load_catalog(provider(FakeJobs(3, fail=True), [tuned(9), BASE]))
    assert [m.id for m in catalog.models] == [tuned(9), BASE]
    assert catalog.warnings == ["checkpoints: jobs are unavailable"]
    assert default_playground_models(catalog.models) == [tuned(9), BASE]
    assert default_eval_models(catalog.models) == [BASE, tuned(9)]
    assert default_eval_models([]) == [] == default_playground_models([])


async def test_an_html_page_behind_a_proxy_is_a_clear_warning() -> None:
    import httpx2
    import openai

    from tuiftune.service.providers.openai import from_clients

    def html(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200, text="<html>log in</html>", headers={"content-type": "text/html"}
        )

    client = openai.AsyncOpenAI(
        api_key="k",
        base_url="http://proxy.invalid/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(html)),
    )
    async with from_clients(client) as provider:
        catalog = await load_catalog(provider)
    assert catalog.models == []
    assert len(catalog.warnings) == 2
    assert all("not an OpenAI-style JSON response" in w for w in catalog.warnings)
