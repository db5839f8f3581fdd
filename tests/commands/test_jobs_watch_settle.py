"""``jobs watch`` ends promptly once it knows the job ended: under heavy faults the settle poll
(the last events written after the status changed) is retried briefly, not with a backoff
that grows to a minute (it ended 68-113 s late at 50% faults)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.server.helpers import AdvancingSleep, tcp_server
from tuiftune.commands.jobs_watch import JsonPrinter
from tuiftune.server import ManualClock, ServerOptions, create_app
from tuiftune.service.types import Job

from .conftest import Cli, ndjson, set_watch_sleep
from .test_jobs_faults import start_job


@pytest.mark.parametrize("seed", [2, 3, 5, 8, 13])
def test_watch_ends_soon_after_the_job_under_half_faults(
    seed: int,
    env: Path,
    cli: Cli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ManualClock()
    options = ServerOptions(step_seconds=1.0, clock=clock, seed=seed, fail_rate=0.5)
    server = tcp_server(create_app(options))
    url = next(server)
    try:
        config = env / "cfg" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            f'[profiles.faulty]\nkind = "compatible"\nbase_url = "{url}"\nno_auth = true\n'
        )
        set_watch_sleep(monkeypatch, AdvancingSleep(clock))
        # When the watcher first saw the job ended (its first or a status line), on the
        # server's clock.
        seen_end: list[float] = []
        real_start, real_status = JsonPrinter.start, JsonPrinter.status

        def noted(job: Job) -> None:
            if job.status in ("succeeded", "failed", "cancelled") and not seen_end:
                seen_end.append(clock())

        def start(printer: JsonPrinter, job: Job) -> None:
            noted(job)
            real_start(printer, job)

        def status(printer: JsonPrinter, job: Job, before: str) -> None:
            noted(job)
            real_status(printer, job, before)

        monkeypatch.setattr(JsonPrinter, "start", start)
        monkeypatch.setattr(JsonPrinter, "status", status)
        job_id = asyncio.run(start_job(url))
        code = cli("jobs", "watch", job_id, "--profile", "faulty", "--json")
        lines = ndjson(capsys.readouterr().out)
        assert code == 0, lines[-3:]
        end = lines[-1]
        assert end["type"] == "end" and end["status"] == "succeeded"
        assert seen_end, "no status line for the end"
        late = clock() - seen_end[0]
        # The settle poll (1 s), one re-read (2 s) and a few short retries; not a minute.
        assert late <= 12, f"the watch ended {late:.0f} s after it saw the job end"
        ids = [x["id"] for x in lines if x["type"] in ("event", "metrics")]
        assert len(ids) == len(set(ids)), "an event was printed twice"
    finally:
        next(server, None)
