"""Fixtures for the local server's tests: a manual clock, SDK clients in-process and over TCP."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import openai
import pytest

# Offline tokenization: ../shared/tiktoken-cache next to the repository.
os.environ.setdefault(
    "TIKTOKEN_CACHE_DIR", str(Path(__file__).parents[3] / "shared" / "tiktoken-cache")
)

# Imported after the cache path is set, so no tiktoken load can miss it.
from tuiftune.server import (
    SANDBOX_BASE_URL,
    ManualClock,
    ServerOptions,
    create_app,
    sandbox_http_client,
)

from .helpers import Sandbox, tcp_server


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when the test says so."""
    return ManualClock()


@pytest.fixture
def dataset_core() -> None:
    """Skip tests that need the dataset core (job validation) when it is not installed."""
    if importlib.util.find_spec("tuiftune.dataset") is None:
        pytest.skip("tuiftune.dataset is not available yet")


MakeSandbox = Callable[..., Sandbox]


@pytest.fixture
async def make_sandbox(clock: ManualClock) -> AsyncIterator[MakeSandbox]:
    """A factory of in-process servers: keyword arguments become ``ServerOptions``."""
    made: list[Sandbox] = []

    def make(**overrides: object) -> Sandbox:
        fields: dict[str, object] = {"clock": clock, "step_seconds": 1.0, "seed": 3}
        fields.update(overrides)
        options = ServerOptions(**fields)  # type: ignore[arg-type]
        app = create_app(options)
        client = openai.AsyncOpenAI(
            api_key="test",
            base_url=SANDBOX_BASE_URL,
            http_client=sandbox_http_client(app),
            max_retries=0,
        )
        sandbox = Sandbox(app, client, clock)
        made.append(sandbox)
        return sandbox

    yield make
    for sandbox in made:
        await sandbox.client.close()


@pytest.fixture
async def sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    """One in-process server with default options and a manual clock."""
    return make_sandbox()


@pytest.fixture
def tcp(clock: ManualClock) -> Iterator[Callable[..., str]]:
    """Start servers over TCP on 127.0.0.1; returns a function giving each one's base URL."""
    stack: list[Iterator[str]] = []

    def start(**overrides: object) -> str:
        fields: dict[str, object] = {"clock": clock, "step_seconds": 1.0, "seed": 3}
        fields.update(overrides)
        server = tcp_server(create_app(ServerOptions(**fields)))  # type: ignore[arg-type]
        stack.append(server)
        return next(server)

    yield start
    for server in stack:
        next(server, None)
