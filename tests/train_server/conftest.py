"""Local-trainer servers on TCP: in-process (uvicorn in a thread) with the fake engine."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.server.helpers import tcp_server
from tuiftune.server import ServerOptions, create_app
from tuiftune.server.trainers.local.options import LocalOptions
from tuiftune.server.trainers.local.trainer import LocalTrainer

from .helpers import FAKE_ENGINE, FakeGenerator
from .real import Served, serving


@dataclass
class LocalServer:
    """A running server, its trainer and an SDK client on it."""

    url: str
    trainer: LocalTrainer
    client: openai.AsyncOpenAI
    generator: FakeGenerator
    server: Iterator[str]

    def stop(self) -> None:
        """Shut the server down (its lifespan ends: running engines pause and stop)."""
        next(self.server, None)


@pytest.fixture
def fake_base(tmp_path: Path) -> Path:
    """A folder that passes as a base model for the fake engine."""
    folder = tmp_path / "tiny-base"
    folder.mkdir()
    (folder / "config.json").write_text('{"max_position_embeddings": 256}')
    return folder


StartServer = Callable[..., LocalServer]


@pytest.fixture
async def fake_server(fake_base: Path, tmp_path: Path) -> AsyncIterator[StartServer]:
    """Start servers with the fake engine; keyword arguments go to ``LocalOptions``."""
    stack: list[tuple[Iterator[str], LocalServer]] = []

    def start(state_dir: Path | None = None, **overrides: Any) -> LocalServer:
        generator = FakeGenerator()
        fields: dict[str, Any] = {
            "base_models": {"tiny-base": str(fake_base)},
            "devices": ["cpu"],
            "engine_command": [sys.executable, str(FAKE_ENGINE)],
            "generator_factory": lambda: generator,
            "poll_seconds": 0.05,
        }
        fields.update(overrides)
        trainer = LocalTrainer(LocalOptions(**fields))
        options = ServerOptions(state_dir=state_dir or tmp_path / "state", org="local")
        server = tcp_server(create_app(options, trainer))
        url = next(server)
        client = openai.AsyncOpenAI(api_key="test", base_url=url, max_retries=0)
        made = LocalServer(url, trainer, client, generator, server)
        stack.append((server, made))
        return made

    yield start
    for server, made in reversed(stack):
        await made.client.close()
        next(server, None)


# The tiny model (built once per session) for the real-training tests.
from tests.trainkit import tiny_model_dir  # noqa: E402, F401


@pytest.fixture(scope="session")
def local_server(
    tiny_model_dir: Path,  # noqa: F811  (the session fixture imported above)
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    """One ``tuiftune serve --trainer local`` on the tiny model, shared by the tests that leave
    it running (each server start costs seconds of imports, and its first answer loads torch)."""
    with serving(tiny_model_dir, tmp_path_factory.mktemp("local-serve") / "state") as served:
        yield served
