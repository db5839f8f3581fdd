"""A local-trainer server without ``--state-dir``: its run folders live in a temporary folder
that the server removes when it stops (nothing is left behind in /tmp)."""

from __future__ import annotations

import sys
from pathlib import Path

import openai
import pytest

from tests.server.helpers import tcp_server
from tuiftune.server import ServerOptions, create_app
from tuiftune.server.trainers.local.options import LocalOptions
from tuiftune.server.trainers.local.trainer import LocalTrainer

from .helpers import FAKE_ENGINE, FakeGenerator, chat_rows, eventually, upload


async def test_the_temporary_run_folder_goes_with_the_server(
    fake_base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.01")
    generator = FakeGenerator()
    trainer = LocalTrainer(
        LocalOptions(
            base_models={"tiny-base": str(fake_base)},
            devices=["cpu"],
            engine_command=[sys.executable, str(FAKE_ENGINE)],
            generator_factory=lambda: generator,
            poll_seconds=0.05,
        )
    )
    server = tcp_server(create_app(ServerOptions(state_dir=None, org="local"), trainer))
    url = next(server)
    try:
        async with openai.AsyncOpenAI(api_key="t", base_url=url, max_retries=0) as client:
            job = await client.fine_tuning.jobs.create(
                training_file=await upload(client, chat_rows(12)), model="tiny-base"
            )
            done = await eventually(
                lambda: client.fine_tuning.jobs.retrieve(job.id),
                lambda j: j.status in ("succeeded", "failed"),
                30,
            )
            assert done.status == "succeeded", done.error
        root = trainer._root
        assert root is not None and (root / job.id).is_dir()
    finally:
        next(server, None)
    assert not root.exists()
