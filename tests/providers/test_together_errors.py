"""The Together provider's failures against the emulator: HTTP errors become the typed
errors (no key in their text), and retries wait as the server says."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.emulators.together import BASE_URL, TogetherEmulator
from tuiftune.service.errors import (
    AuthError,
    BadRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.http_api import HttpApi
from tuiftune.service.providers.together import TogetherJobs


@pytest.fixture
def emu() -> TogetherEmulator:
    return TogetherEmulator()


@pytest.fixture
def together(emu: TogetherEmulator, build: Callable[..., Provider]) -> Provider:
    return build("together", emu.app, BASE_URL)


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (401, {}, AuthError),
        (404, {}, NotFoundError),
        (429, {"Retry-After": "7"}, RateLimitedError),
        (503, {}, ServerError),
        (422, {}, BadRequestError),
    ],
)
async def test_http_errors_become_typed_errors(
    together: Provider,
    emu: TogetherEmulator,
    status: int,
    headers: dict[str, str],
    error: type[Exception],
) -> None:
    emu.faults.fail(
        "GET", r"^/v1/fine-tunes/ft-9$", status, {"error": {"message": "nope"}}, headers=headers
    )
    with pytest.raises(error) as err:
        await together.jobs.retrieve("ft-9")
    if status == 429:
        assert isinstance(err.value, RateLimitedError) and err.value.retry_after == 7.0
    assert KEY_FRAGMENT not in str(err.value)


KEY_FRAGMENT = "0123456789abcdef"


async def test_retries_wait_as_the_server_says(emu: TogetherEmulator) -> None:
    from tests.emulators.base import provider_client

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def headers() -> dict[str, str]:
        return {"Authorization": "Bearer k"}

    client = provider_client(emu.app, BASE_URL)
    api = HttpApi(
        client, BASE_URL, provider="Together", headers=headers, max_retries=2, sleep=sleep
    )
    emu.faults.fail(
        "GET",
        r"^/v1/fine-tunes$",
        429,
        {"error": {"message": "slow"}},
        headers={"Retry-After": "3"},
    )
    emu.faults.fail("GET", r"^/v1/fine-tunes$", 502, None)
    page = await TogetherJobs(api).list()
    assert page.data == [] and waits == [3.0, 1.0]
    await client.aclose()
