"""FAULT test: ``tuiftune jobs watch`` against the local server over TCP (127.0.0.1) with
injected failures (5xx, 429, hangs, dropped connections) prints every event exactly once,
reports the outages, and still exits 0 when the job succeeds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from tests.server.helpers import AdvancingSleep, chat_rows, jsonl, tcp_server
from tuiftune.server import ManualClock, ServerOptions, create_app

from .conftest import Cli, ndjson, set_watch_sleep

MODEL = "gpt-4o-mini-2024-07-18"


@pytest.fixture
def faulty(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, ManualClock]]:
    """A faulty server on a free port, a ``faulty`` profile for it, and its clock."""
    clock = ManualClock()
    options = ServerOptions(
        step_seconds=1.0,
        clock=clock,
        seed=11,
        fail_rate=0.3,
        network_faults=True,
        hang_seconds=0.3,
    )
    server = tcp_server(create_app(options))
    url = next(server)
    config = env / "cfg" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[profiles.faulty]\nkind = "compatible"\nbase_url = "{url}"\nno_auth = true\n'
    )
    set_watch_sleep(monkeypatch, AdvancingSleep(clock))
    yield url, clock
    next(server, None)


async def start_job(url: str) -> str:
    """Upload and create with the SDK's own patient retries (the setup is not under test)."""
    client = openai.AsyncOpenAI(api_key="sandbox", base_url=url, max_retries=10, timeout=2.0)
    try:
        file = await client.files.create(
            file=("t.jsonl", jsonl(chat_rows(12))), purpose="fine-tune"
        )
        job = await client.fine_tuning.jobs.create(
            model=MODEL,
            training_file=file.id,
            method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1}}},
        )
        return job.id
    finally:
        await client.close()


def test_watch_json_survives_faults(
    faulty: tuple[str, ManualClock], cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = faulty
    job_id = asyncio.run(start_job(url))
    code = cli("jobs", "watch", job_id, "--profile", "faulty", "--json")
    lines = ndjson(capsys.readouterr().out)
    assert code == 0, lines[-3:]
    outages = [x for x in lines if x["type"] == "connection" and x["status"] != "live"]
    assert outages, "fail_rate 0.3 should have produced some failures"
    assert set(outages[0]) == {"type", "time", "status", "retry_in", "attempt", "reason", "since"}
    assert outages[0]["status"] == "reconnecting" and outages[0]["retry_in"] >= 0
    assert any(x["type"] == "connection" and x["status"] == "live" for x in lines)
    ids = [x["id"] for x in lines if x["type"] in ("event", "metrics")]
    assert len(ids) == len(set(ids)), "an event was printed twice"
    steps = [x["step"] for x in lines if x["type"] == "metrics"]
    assert steps == list(range(1, steps[-1] + 1)) and steps[-1] == 12
    assert lines[-1]["type"] == "end" and lines[-1]["status"] == "succeeded"


def test_watch_text_reports_reconnecting(
    faulty: tuple[str, ManualClock], cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = faulty
    job_id = asyncio.run(start_job(url))
    code = cli("jobs", "watch", job_id, "--profile", "faulty")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "link     reconnecting in " in out and "(attempt 1)" in out
    assert "connection restored" in out
    metric_lines = [ln for ln in out.splitlines() if "metrics  step" in ln]
    assert len(metric_lines) == 12
    assert out.splitlines()[-1].startswith("succeeded: ft:")
    assert json.dumps(job_id)[1:-1] in out
