"""The matrix screen follows a running job: the base model is scored at once and the screen
says it is following; ``s`` stops it (the scores so far kept), ``r`` resumes and follows to
the end, one row per checkpoint plus base and final, nothing asked twice. From the Jobs area,
``M`` on a job that names its test set opens the matrix on it without asking."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

from textual.app import App
from textual.widgets import Input

from tests.conftest import SAMPLES
from tests.ui.sandbox_support import BASE, Sandbox, until
from tuiftune.server import ManualClock, ServerOptions
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.openai import from_clients
from tuiftune.ui.charts.matrix_screen import MatrixScreen
from tuiftune.ui.jobs.screen import JobsScreen
from tuiftune.wiring import build_sandbox_client


class GatedSleep:
    """The watch's sleep: waits for the test to open the gate, then moves the server's clock."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.gate = asyncio.Event()
        self.calls = 0

    async def __call__(self, seconds: float) -> None:
        self.calls += 1
        assert self.calls < 5000, "the watch never ended"
        await self.gate.wait()
        self.clock.advance(seconds)
        await asyncio.sleep(0)


def _test_file(tmp_path: Path) -> Path:
    test = tmp_path / "held-out.jsonl"
    lines = (SAMPLES / "ticket-triage-test.jsonl").read_text(encoding="utf-8").splitlines()
    test.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    return test


async def _job(options: ServerOptions, metadata: dict[str, str] | None = None) -> str:
    async with build_sandbox_client(options) as client:
        file = await client.files.create(
            file=SAMPLES / "ticket-triage-chat.jsonl", purpose="fine-tune"
        )
        job = await client.fine_tuning.jobs.create(
            training_file=file.id, model=BASE, metadata=metadata
        )
    return job.id


def _pairs(out: Path) -> Counter[tuple[int, str]]:
    lines = out.read_text(encoding="utf-8").splitlines()
    return Counter((r["index"], r["model"]) for r in map(json.loads, lines))


async def test_following_a_running_job_stops_and_resumes(tmp_path: Path) -> None:
    clock = ManualClock()
    options = ServerOptions(state_dir=tmp_path / "sandbox", clock=clock, step_seconds=1.0, seed=7)
    job_id = await _job(options)
    sleep = GatedSleep(clock)

    async def open_provider() -> Provider:
        return from_clients(build_sandbox_client(options), label="SANDBOX")

    out = tmp_path / "follow.results.jsonl"
    screen = MatrixScreen(open_provider, job_id, _test_file(tmp_path), out, sleep=sleep)
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(screen)
        status = screen.query_one("#matrix-status")
        # The job has not moved (the gate is shut): the base model is scored, and it waits.
        await until(pilot, lambda: len(screen.scored) == 1, "the base model's score")
        assert screen.scored[0].entry.kind == "base" and screen.following
        await until(pilot, lambda: "following" in str(status.render()), "the following line")
        await pilot.press("s")
        await until(pilot, lambda: not screen.following, "the follow stopped")
        assert "stopped following" in str(status.render())
        assert screen.result is None
        kept = _pairs(out)
        assert len(kept) == 3 and set(kept.values()) == {1}
        # Resumed with the clock free to move: followed to the end.
        sleep.gate.set()
        await pilot.press("r")
        await until(pilot, lambda: screen.result is not None, "the whole matrix")
        assert screen.result is not None and not screen.following
        rows = screen.result.matrix.rows
        kinds = [r.entry.kind for r in rows]
        assert kinds[0] == "base" and kinds[-1] == "final" and kinds.count("checkpoint") >= 2
        pairs = _pairs(out)
        assert set(pairs.values()) == {1} and len(pairs) == 3 * len(rows)
        assert screen.result.run.resumed == len(kept)
        assert screen.result.run.new == len(pairs) - len(kept)
        assert screen.result.job.status == "succeeded"
        await pilot.press("escape")


async def test_m_on_a_job_with_a_test_set_opens_without_asking(tmp_path: Path) -> None:
    clock = ManualClock()
    options = ServerOptions(state_dir=tmp_path / "sandbox", clock=clock, step_seconds=1.0, seed=7)
    test = _test_file(tmp_path)
    job_id = await _job(options, {"tuiftune_test_file": str(test)})
    clock.advance(1_000_000)
    async with build_sandbox_client(options) as client:
        tuned = (await client.fine_tuning.jobs.retrieve(job_id)).fine_tuned_model
    assert tuned
    app = Sandbox(options, tuned).app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await until(pilot, lambda: jobs.selected == job_id, "the job selected")
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, MatrixScreen), "the matrix screen")
        matrix = app.screen
        assert isinstance(matrix, MatrixScreen) and not matrix.query(Input)
        assert matrix.test_file == test
        await until(pilot, lambda: matrix.result is not None, "the scored matrix")
        assert matrix.out == tmp_path / f"held-out.{job_id}.results.jsonl"
        assert matrix.result is not None and matrix.result.matrix.best is not None
