"""FAULT test: the watcher against the local server over TCP with injected failures (5xx, 429
with Retry-After, hangs that time out, dropped connections) tails every event exactly once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.server import helpers as server_helpers
from tests.server.helpers import AdvancingSleep
from tests.service.sdk import sdk
from tuiftune.service.files import upload_file
from tuiftune.service.jobs import Hyperparameters, JobRequest, JobsService
from tuiftune.service.providers.openai import OpenAIJobs
from tuiftune.service.upload_cache import UploadCache
from tuiftune.service.watch import LinkStatus, PollPolicy, watch

from .conftest import server_modules, write_chat_file

MODEL = "gpt-4o-mini-2024-07-18"


# One uvicorn-in-a-thread helper for every TCP test (tests/server/helpers.py).
tcp_server = contextlib.contextmanager(server_helpers.tcp_server)


@pytest.fixture
def faulty_server(manual_clock: Any) -> Iterator[str]:
    app_mod, _ = server_modules()
    options = app_mod.ServerOptions(
        step_seconds=1.0,
        clock=manual_clock,
        seed=11,
        fail_rate=0.3,
        network_faults=True,
        hang_seconds=2.0,
    )
    with tcp_server(app_mod.create_app(options)) as url:
        yield url


async def test_watcher_survives_faults(
    faulty_server: str, manual_clock: Any, tmp_path: Path
) -> None:
    # Setup calls lean on the SDK's own retries; the watcher turns them off and copes itself.
    client = openai.AsyncOpenAI(
        api_key="sandbox", base_url=faulty_server, max_retries=8, timeout=1.0
    )
    try:
        path = write_chat_file(tmp_path / "train.jsonl", 12)
        up = await upload_file(sdk(client).files, path, cache=UploadCache(tmp_path / "c.json"))
        svc = JobsService(OpenAIJobs(client))
        job = await svc.create(
            JobRequest(
                model=MODEL, training_file=up.file.id, hyperparameters=Hyperparameters(n_epochs=2)
            )
        )
        policy = PollPolicy(page_limit=3, request_timeout=0.5, offline_after=30.0)
        sleep = AdvancingSleep(manual_clock)
        snaps = []
        async for snap in watch(
            sdk(client).jobs, job.id, policy=policy, sleep=sleep, clock=manual_clock
        ):
            snaps.append(snap)
            assert len(snaps) < 2000, "the watcher never finished"
        final = snaps[-1].job
        assert final is not None and final.status == "succeeded"
        troubles = [s.connection for s in snaps if s.connection.status is not LinkStatus.LIVE]
        assert troubles, "fail_rate 0.3 should have produced some failures"
        seen = [e.id for s in snaps for e in s.events]
        assert len(seen) == len(set(seen))
        # Compare with the full history, read with patient retries.
        ids: list[str] = []
        after = None
        while True:
            page = await svc.events_page(job.id, after=after, limit=50)
            ids.extend(e.id for e in page.data)
            after = page.next_after
            if after is None:
                break
        assert seen == list(reversed(ids))
    finally:
        await client.close()
