"""The in-process transport streams: the first chunk arrives before the app has finished."""

from __future__ import annotations

import asyncio
import time

import openai

from .conftest import MakeSandbox


async def test_streaming_is_incremental_in_process(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(chunk_delay_ms=20)
    start = time.perf_counter()
    stream = await sandbox.client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Tell me about tides"}],
        stream=True,
    )
    arrivals = [time.perf_counter() - start async for _ in stream]
    assert len(arrivals) > 10
    # With 20 ms between chunks, a buffered transport would deliver everything at the end.
    assert arrivals[0] < arrivals[-1] - 0.2


async def test_closing_a_stream_early_stops_the_app(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(chunk_delay_ms=50)
    stream = await sandbox.client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Tell me about tides"}],
        stream=True,
    )
    async for _ in stream:
        break
    await stream.close()
    await asyncio.sleep(0)
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not [t for t in pending if "run" in repr(t.get_coro())]
    # The client is still usable afterwards.
    assert (await sandbox.client.models.list()).data


async def test_in_process_errors_are_sdk_errors(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    try:
        await sandbox.client.models.retrieve("nope")
    except openai.NotFoundError as exc:
        assert exc.code == "model_not_found"
    else:
        raise AssertionError("expected a 404")
