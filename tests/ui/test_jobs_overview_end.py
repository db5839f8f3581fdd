"""The Overview tab follows the watched job to its end without the cursor moving: the fine-tuned
model and the result files appear once the job has succeeded."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message

from tests.server.helpers import chat_rows, jsonl
from tests.ui.jobs_helpers import StepSleep, in_process, make_app, open_jobs, start_job, wait_for
from tuiftune.ui.jobs.job_detail import JobDetail


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The upload cache lives in the test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


async def test_overview_shows_the_model_and_results_once_the_job_succeeds() -> None:
    sandbox = in_process()
    job_id = await start_job(sandbox, jsonl(chat_rows(12)))
    app = make_app(sandbox.factory, sandbox.clock, StepSleep(sandbox.clock))
    messages: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        screen = await open_jobs(pilot)
        detail = screen.query_one(JobDetail)

        def overview() -> str:
            return str(screen.query_one("#overview-text").render())

        await wait_for(pilot, lambda: detail.job_id == job_id, "the job shown")
        await wait_for(
            pilot, lambda: any(isinstance(m, JobDetail.Ended) for m in messages), "the end", 20
        )
        job = screen.jobs[job_id]
        model = job.fine_tuned_model
        assert job.status == "succeeded" and model and job.result_files
        # No key pressed, no cursor moved: the overview has the terminal job.
        await wait_for(pilot, lambda: model in overview(), "the model shown")
        text = overview()
        assert "fine-tuned -" not in text.replace("  ", " ")
        assert "results" in text and job.result_files[0] in text


async def test_overview_takes_the_end_the_list_saw_first() -> None:
    # The watcher is between polls (held) when the list's refresh sees the job succeed: the
    # overview must not keep "fine-tuned -" until the cursor moves.
    sandbox = in_process()
    job_id = await start_job(sandbox, jsonl(chat_rows(12)))
    sleep = StepSleep(sandbox.clock)
    app = make_app(sandbox.factory, sandbox.clock, sleep)
    async with app.run_test(size=(120, 40)) as pilot:

        def running() -> bool:
            jobs = getattr(app.screen, "jobs", {})
            return job_id in jobs and jobs[job_id].status == "running"

        sleep.hold_when = running
        screen = await open_jobs(pilot)
        detail = screen.query_one(JobDetail)
        await wait_for(pilot, lambda: not sleep.running.is_set(), "the watcher held")
        assert detail.job is not None and detail.job.status == "running"
        sandbox.clock.advance(3600)  # the job ends on the server
        await wait_for(pilot, lambda: screen.jobs[job_id].status == "succeeded", "the list")
        model = screen.jobs[job_id].fine_tuned_model
        assert model
        await wait_for(
            pilot,
            lambda: model in str(screen.query_one("#overview-text").render()),
            "the overview with the model",
        )
        sleep.running.set()
        await app.workers.wait_for_complete()
