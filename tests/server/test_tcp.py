"""Over a real socket: uvicorn on 127.0.0.1, streaming, and network faults (drops and hangs)."""

from __future__ import annotations

import collections
from collections.abc import Callable

import openai
import pytest

from tuiftune.server import ManualClock

from .helpers import chat_rows, jsonl, prompt_of

StartServer = Callable[..., str]


async def test_lifecycle_and_streaming_over_tcp(
    tcp: StartServer, clock: ManualClock, dataset_core: None
) -> None:
    url = tcp(chunk_delay_ms=1)
    async with openai.AsyncOpenAI(api_key="k", base_url=url, max_retries=0) as client:
        file = await client.files.create(file=("t.jsonl", jsonl(chat_rows())), purpose="fine-tune")
        job = await client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file.id)
        clock.advance(10_000)
        job = await client.fine_tuning.jobs.retrieve(job.id)
        assert job.status == "succeeded" and job.fine_tuned_model
        stream = await client.chat.completions.create(
            model=job.fine_tuned_model, messages=prompt_of(2), stream=True, temperature=0
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        assert text.endswith(".") and "code word" in text


async def test_network_faults_drop_and_hang(tcp: StartServer) -> None:
    url = tcp(fail_rate=1.0, network_faults=True, hang_seconds=5.0, seed=4)
    outcomes: collections.Counter[str] = collections.Counter()
    async with openai.AsyncOpenAI(api_key="k", base_url=url, max_retries=0, timeout=0.3) as client:
        for _ in range(16):
            try:
                await client.models.list()
                outcomes["ok"] += 1
            except openai.APITimeoutError:
                outcomes["timeout"] += 1
            except openai.APIConnectionError:
                outcomes["dropped"] += 1
            except openai.APIStatusError as exc:
                outcomes[str(exc.status_code)] += 1
    assert outcomes["ok"] == 0
    assert outcomes["timeout"] and outcomes["dropped"]
    assert {"500", "503", "429"} & set(outcomes)


async def test_sdk_retries_recover_over_tcp(tcp: StartServer) -> None:
    url = tcp(fail_rate=0.25, network_faults=True, hang_seconds=5.0, seed=2)
    async with openai.AsyncOpenAI(api_key="k", base_url=url, max_retries=8, timeout=0.3) as client:
        for _ in range(4):
            assert (await client.models.list()).data


@pytest.mark.parametrize("rpm", [2])
async def test_rate_limit_over_tcp(tcp: StartServer, clock: ManualClock, rpm: int) -> None:
    url = tcp(rate_limit_rpm=rpm)
    async with openai.AsyncOpenAI(api_key="k", base_url=url, max_retries=0) as client:
        await client.models.list()
        await client.models.list()
        with pytest.raises(openai.RateLimitError) as info:
            await client.models.list()
        assert info.value.response.headers["retry-after"] == "60"
        clock.advance(60)
        await client.models.list()
