"""Auth, rate limits, latency and injected faults, in-process."""

from __future__ import annotations

import collections
import time
from collections.abc import Callable

import openai
import pytest

from tuiftune.server import sandbox_http_client

from .conftest import MakeSandbox


async def test_401_without_a_key_or_with_an_empty_one(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    async with sandbox_http_client(sandbox.app) as http:
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}):
            response = await http.get("/v1/models", headers=headers)
            assert response.status_code == 401
            error = response.json()["error"]
            assert error["type"] == "invalid_request_error"
            assert error["message"].startswith("You didn't provide an API key.")
            assert set(error) == {"message", "type", "param", "code"}
        for headers in ({"Authorization": "Bearer anything"}, {"api-key": "azure-style"}):
            response = await http.get("/v1/models", headers=headers)
            assert response.status_code == 200 and response.headers["x-request-id"]
        assert (await http.get("/health")).json() == {"status": "ok"}


async def test_sdk_sees_authentication_error(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    with pytest.raises(openai.AuthenticationError):
        await sandbox.client.models.list(extra_headers={"Authorization": "Bearer "})


async def test_rate_limit_is_a_sliding_window(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate_limit_rpm=3)
    for _ in range(3):
        sandbox.clock.advance(10)
        await sandbox.client.models.list()
    with pytest.raises(openai.RateLimitError) as info:
        await sandbox.client.models.list()
    error = info.value
    assert error.status_code == 429 and error.code == "rate_limit_exceeded"
    assert error.response.headers["retry-after"] == "40"  # the first request leaves the window
    assert error.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert "Rate limit reached for requests in organization org-sandbox" in error.message
    assert "Limit 3, Used 3, Requested 1" in error.message
    sandbox.clock.advance(40)
    page = await sandbox.client.models.with_raw_response.list()
    assert page.headers["x-ratelimit-remaining-requests"] == "0"
    assert page.headers["x-ratelimit-limit-requests"] == "3"


def _outcomes(statuses: list[int | str]) -> collections.Counter[int | str]:
    return collections.Counter(statuses)


async def _run(make: Callable[[], openai.AsyncOpenAI], n: int) -> list[int | str]:
    client = make()
    out: list[int | str] = []
    for _ in range(n):
        try:
            await client.models.list()
            out.append(200)
        except openai.APIStatusError as exc:
            out.append(exc.status_code)
            if exc.status_code == 429:
                assert exc.response.headers["retry-after"] == "1"
    return out


async def test_fail_rate_injects_seeded_faults(make_sandbox: MakeSandbox) -> None:
    first = await _run(lambda: make_sandbox(fail_rate=0.5, seed=9).client, 60)
    again = await _run(lambda: make_sandbox(fail_rate=0.5, seed=9).client, 60)
    other = await _run(lambda: make_sandbox(fail_rate=0.5, seed=10).client, 60)
    assert first == again  # reproducible
    assert first != other
    counts = _outcomes(first)
    assert set(counts) == {200, 500, 503, 429}
    assert 15 < counts[200] < 45
    always = await _run(lambda: make_sandbox(fail_rate=1.0).client, 10)
    assert 200 not in always


async def test_sdk_retries_ride_over_faults(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(fail_rate=0.3, seed=1)
    client = sandbox.client.with_options(max_retries=6)
    # Retry-After is 1 s for injected 429s, so keep this short: three calls are enough.
    for _ in range(3):
        models = await client.models.list()
        assert models.data


async def test_latency_is_added_to_every_request(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(latency_ms=150)
    start = time.perf_counter()
    await sandbox.client.models.list()
    assert time.perf_counter() - start >= 0.15


async def test_a_bug_becomes_a_500_envelope(
    make_sandbox: MakeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox()
    monkeypatch.setattr("tuiftune.server.trainers.simulated.BASE_MODELS", None)
    with pytest.raises(openai.InternalServerError) as info:
        await sandbox.client.models.list()
    assert info.value.body == {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
