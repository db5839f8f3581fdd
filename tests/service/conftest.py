"""Fixtures for the service tests: an isolated environment and SDK clients on mock transports."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

# Offline tokenization for the dataset linter that uploads run first.
os.environ.setdefault(
    "TIKTOKEN_CACHE_DIR", str(Path(__file__).parents[3] / "shared" / "tiktoken-cache")
)

ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_VERSION",
    "AZURE_OPENAI_AD_TOKEN",
    "TUIFTUNE_CONFIG",
)

Handler = Callable[[httpx2.Request], Any]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No OpenAI/Azure variables, and a config file path inside tmp_path."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "cfg" / "config.toml"
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(path))
    yield path


MockClient = Callable[[Handler], openai.AsyncOpenAI]


@pytest.fixture
def mock_client() -> MockClient:
    """A factory of SDK clients whose requests go to a handler (no SDK retries)."""

    def make(handler: Handler) -> openai.AsyncOpenAI:
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
        return openai.AsyncOpenAI(
            api_key="sk-test-0000000000000000abcd",
            base_url="http://mock.test/v1",
            http_client=http,
            max_retries=0,
        )

    return make


def server_modules() -> Any:
    """The local server's public factory, or skip when it is not there yet."""
    app = pytest.importorskip("tuiftune.server.app", reason="tuiftune.server.app not available")
    sandbox = pytest.importorskip("tuiftune.server.sandbox", reason="no tuiftune.server.sandbox")
    return app, sandbox


@pytest.fixture
def manual_clock() -> Any:
    server_modules()
    from tuiftune.server.clock import ManualClock

    return ManualClock()


@pytest.fixture
async def sandbox(manual_clock: Any) -> AsyncIterator[openai.AsyncOpenAI]:
    """An SDK client on an in-process sandbox server with a manual clock."""
    app_mod, _ = server_modules()
    from tuiftune.wiring import build_sandbox_client

    options = app_mod.ServerOptions(step_seconds=1.0, clock=manual_clock, seed=7)
    client = build_sandbox_client(options, max_retries=0)
    try:
        yield client
    finally:
        await client.close()


def write_chat_file(path: Path, n: int = 12) -> Path:
    """A small valid chat fine-tuning file."""
    rows = [
        {
            "messages": [
                {"role": "system", "content": "You add numbers."},
                {"role": "user", "content": f"What is {i} + {i}?"},
                {"role": "assistant", "content": f"{2 * i}"},
            ]
        }
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
