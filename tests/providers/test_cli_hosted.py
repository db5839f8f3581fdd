"""``tuiftune jobs list/show`` on hosted providers, unchanged: the CLI builds the provider from
the profile and talks to the emulator over real TCP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.fireworks import ACCOUNT, FireworksEmulator
from tests.emulators.together import TogetherEmulator
from tests.providers.conftest import KEY, KEY_ENV
from tests.server.helpers import tcp_server
from tuiftune.cli import main
from tuiftune.config import ProfileConfig, set_profile
from tuiftune.service.providers.base import Provider
from tuiftune.service.types import JobSpec


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    servers: list[Iterator[str]] = []

    def start(app: Any) -> str:
        server = tcp_server(app)
        servers.append(server)
        return next(server).removesuffix("/v1")

    yield start
    for server in servers:
        next(server, None)


def _profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: str, url: str, **kw: Any
) -> None:
    config = tmp_path / "cli-config.toml"
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(config))
    monkeypatch.setenv(KEY_ENV, KEY)
    set_profile(
        provider,
        ProfileConfig(provider=provider, base_url=url, api_key_env=KEY_ENV, **kw),
        path=config,
    )


async def test_together_jobs_list_and_show(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    build: Callable[..., Provider],
    serve: Callable[[Any], str],
) -> None:
    emu = TogetherEmulator()
    together = build("together", emu.app, "https://api.together.test")
    ref = await together.files.upload_bytes("t.jsonl", b'{"messages": []}\n', purpose="fine-tune")
    job = await together.jobs.create(JobSpec("meta-llama/Llama-3.2-3B-Instruct", ref.id))
    _profile(tmp_path, monkeypatch, "together", serve(emu.app))
    capsys.readouterr()

    assert await _run(["jobs", "list", "--profile", "together", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [j["id"] for j in listed["jobs"]] == [job.id] and listed["has_more"] is False
    assert await _run(["jobs", "show", job.id, "--profile", "together"]) == 0
    out = capsys.readouterr().out
    assert job.id in out and "meta-llama/Llama-3.2-3B-Instruct" in out


async def test_fireworks_jobs_list(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    serve: Callable[[Any], str],
) -> None:
    emu = FireworksEmulator()
    emu.datasets["d"] = {"name": f"accounts/{ACCOUNT}/datasets/d", "state": "READY"}
    from tests.emulators.fireworks import EmuJob

    emu.jobs["sftj-9"] = EmuJob(
        {"dataset": "accounts/acme/datasets/d", "baseModel": "m"},
        f"accounts/{ACCOUNT}/supervisedFineTuningJobs/sftj-9",
        0,
    )
    _profile(tmp_path, monkeypatch, "fireworks", serve(emu.app), options={"account_id": ACCOUNT})
    assert await _run(["jobs", "list", "--profile", "fireworks", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(j["id"], j["status"]) for j in listed["jobs"]] == [("sftj-9", "validating_files")]


async def _run(argv: list[str]) -> int:
    import asyncio

    # The CLI runs its own event loop: give it a thread of its own.
    return await asyncio.to_thread(main, argv)
