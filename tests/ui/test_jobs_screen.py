"""Pilot tests of the Jobs mode against the sandbox: create, watch, cancel, failure, faults."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList

from tests.conftest import SAMPLES
from tests.server.helpers import chat_rows, jsonl
from tests.ui.jobs_helpers import (
    Sandbox,
    StepSleep,
    in_process,
    make_app,
    open_jobs,
    serve,
    start_job,
    wait_for,
)
from tuiftune.server import ManualClock, ServerOptions, create_app
from tuiftune.ui.jobs.create_form import CreateJobScreen
from tuiftune.ui.messages import ModelOpened
from tuiftune.ui.screens.modals import AskScreen, ConfirmScreen, PickScreen
from tuiftune.ui.widgets.event_log import EventLog
from tuiftune.ui.widgets.loss_chart import LossChart

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The upload cache lives in the test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def sandbox() -> Sandbox:
    return in_process()


async def test_create_through_form_and_watch_to_success(sandbox: Sandbox, tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_bytes(jsonl(chat_rows(12)))
    sleep = StepSleep(sandbox.clock)
    bells: list[bool] = []
    app = make_app(sandbox.factory, sandbox.clock, sleep)
    app.bell = lambda: bells.append(True)  # type: ignore[method-assign]
    received: list[str | None] = []

    class Playground(Screen[None]):
        def on_model_opened(self, message: ModelOpened) -> None:
            received.append(message.model)

    # The Playground is another area's screen: a stand-in records what it is handed.
    app.remove_mode("playground")
    app.add_mode("playground", Playground)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_jobs(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        form.query_one("#training", Input).value = str(train)
        form.query_one("#n_epochs", Input).value = "1"
        form.query_one("#suffix", Input).value = "vault"
        await pilot.press("ctrl+s")  # the first press lints and shows the cost
        await wait_for(pilot, lambda: form.report is not None, "the lint")
        assert isinstance(app.screen, CreateJobScreen)
        assert "billed tokens" in str(form.query_one("#lint-result").render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.selected is not None, "the new job selected")
        job_id = screen.selected
        assert job_id is not None
        await wait_for(
            pilot, lambda: screen.jobs[job_id].status == "succeeded", "success", limit=20
        )
        await app.workers.wait_for_complete()
        await pilot.pause()
        log = screen.query_one(EventLog)
        assert len(log.shown) == len(set(log.shown)) > 5
        assert [p.step for p in screen.points] == list(range(1, 13))
        assert screen.query_one(LossChart).points
        assert screen.query_one("#ckpt-table", DataTable).row_count >= 1
        assert bells == [True]
        table = screen.query_one("#jobs-table", DataTable)
        assert "succeeded" in str(table.get_row(job_id)[0])
        job = screen.jobs[job_id]
        assert job.fine_tuned_model and ":vault:" in job.fine_tuned_model
        # the final model goes to the Playground
        await pilot.press("o")
        await pilot.pause()
        assert app.current_mode == "playground"
        assert received[-1] == job.fine_tuned_model


async def test_cancel_a_running_job(sandbox: Sandbox) -> None:
    job_id = await start_job(sandbox, jsonl(chat_rows(12)))
    sleep = StepSleep(sandbox.clock)
    app = make_app(sandbox.factory, sandbox.clock, sleep)
    async with app.run_test(size=(80, 24)) as pilot:
        # hold the clock once the job runs, while the user decides
        def running() -> bool:
            jobs = getattr(app.screen, "jobs", {})
            return job_id in jobs and jobs[job_id].status == "running"

        sleep.hold_when = running
        screen = await open_jobs(pilot)
        await wait_for(pilot, lambda: not sleep.running.is_set(), "running")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.jobs[job_id].status == "cancelled", "cancelled")
        sleep.running.set()
        await app.workers.wait_for_complete()
        assert "cancelled" in str(screen.query_one("#jobs-table", DataTable).get_row(job_id)[0])


async def test_failed_job_shows_its_error(sandbox: Sandbox) -> None:
    job_id = await start_job(sandbox, FLAWED.read_bytes())
    sleep = StepSleep(sandbox.clock)
    app = make_app(sandbox.factory, sandbox.clock, sleep)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_jobs(pilot)
        await wait_for(pilot, lambda: screen.jobs.get(job_id) is not None, "the job")
        await wait_for(pilot, lambda: screen.jobs[job_id].status == "failed", "failure")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = str(screen.query_one("#overview-text").render())
        assert "error" in text and "message" in text
        assert screen.error_line is not None and screen.error_line in text


async def test_network_drop_shows_reconnecting_and_resumes_without_gaps(
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    options = ServerOptions(clock=clock, step_seconds=1.0, seed=2, state_dir=tmp_path / "state")
    server = serve(create_app(options))
    url = next(server)
    port = int(url.rsplit(":", 1)[1].split("/")[0])

    def factory() -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(api_key="x", base_url=url, max_retries=0, timeout=2.0)

    sandbox = Sandbox(clock, factory)
    job_id = await start_job(sandbox, jsonl(chat_rows(12)), method=_epochs(1))
    sleep = StepSleep(clock)
    app = make_app(factory, clock, sleep)

    def progressed() -> bool:
        return len(getattr(app.screen, "points", [])) >= 2

    sleep.hold_when = progressed
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_jobs(pilot)
            await wait_for(pilot, lambda: not sleep.running.is_set(), "some progress")
            next(server, None)  # the server goes away mid-watch
            sleep.running.set()
            await wait_for(pilot, lambda: "reconnecting" in screen._link_text, "reconnecting")
            server = serve(create_app(options), port)  # back, with the same state
            next(server)
            await wait_for(pilot, lambda: screen.jobs[job_id].status == "succeeded", "success")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "live" in screen._link_text
            log = screen.query_one(EventLog)
            assert len(log.shown) == len(set(log.shown))
            assert [p.step for p in screen.points] == list(range(1, 13))
    finally:
        next(server, None)


def _epochs(n: int) -> object:
    return {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": n}}}


async def test_polling_pauses_while_hidden(sandbox: Sandbox) -> None:
    job_id = await start_job(sandbox, jsonl(chat_rows(12)), method=_epochs(1))
    sleep = StepSleep(sandbox.clock)
    app = make_app(sandbox.factory, sandbox.clock, sleep)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        await wait_for(pilot, lambda: screen.selected == job_id, "the job")
        await pilot.press("f2")
        await pilot.pause()
        assert not screen.shown.is_set()
        frozen = sandbox.clock()
        await pilot.pause(0.2)
        assert sandbox.clock() <= frozen + 10  # at most the poll already under way
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen.jobs[job_id].status == "succeeded", "success", 20)


async def test_results_csv_rerun_and_filter(sandbox: Sandbox, tmp_path: Path) -> None:
    job_id = await start_job(sandbox, jsonl(chat_rows(12)), method=_epochs(1), seed=7)
    sandbox.clock.advance(100_000)  # it has finished before the screen opens
    sleep = StepSleep(sandbox.clock)
    app = make_app(sandbox.factory, sandbox.clock, sleep, bell=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        await wait_for(pilot, lambda: screen.selected == job_id, "the job")
        target = tmp_path / "results.csv"
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), "the file name")
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists, "the CSV")
        assert target.read_text().startswith("step,")
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.selected not in (None, job_id), "the rerun")
        rerun = screen.jobs[screen.selected or ""]
        old = screen.jobs[job_id]
        assert (rerun.model, rerun.training_file, rerun.seed) == (old.model, old.training_file, 7)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), "the filter")
        pick = app.screen
        assert isinstance(pick, PickScreen)
        keys = [key for key, _ in pick.choices]
        pick.query_one(OptionList).highlighted = keys.index("succeeded")
        await pilot.press("enter")
        await pilot.pause()
        table = screen.query_one("#jobs-table", DataTable)
        shown = [str(k.value) for k in table.rows]
        assert job_id in shown
        assert {screen.jobs[i].status for i in shown} == {"succeeded"}
        assert "succeeded" in screen._link_text


async def test_pause_then_resume(sandbox: Sandbox) -> None:
    job_id = await start_job(sandbox, jsonl(chat_rows(12)))
    sleep = StepSleep(sandbox.clock)
    app = make_app(sandbox.factory, sandbox.clock, sleep, bell=False)

    def running() -> bool:
        jobs = getattr(app.screen, "jobs", {})
        return job_id in jobs and jobs[job_id].status == "running"

    sleep.hold_when = running
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        await wait_for(pilot, lambda: not sleep.running.is_set(), "running")
        for key, status in (("p", "paused"), ("r", "running")):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
            await pilot.press("y")

            def reached(s: str = status) -> bool:
                return screen.jobs[job_id].status == s

            await wait_for(pilot, reached, status)
        assert "paused" not in str(screen.query_one("#jobs-table", DataTable).get_row(job_id)[0])
        sleep.running.set()


async def test_form_picks_an_uploaded_file(sandbox: Sandbox) -> None:
    client = sandbox.client()
    uploaded = await client.files.create(
        file=("already.jsonl", jsonl(chat_rows(12))), purpose="fine-tune"
    )
    await client.close()
    sleep = StepSleep(sandbox.clock)
    sleep.running.clear()  # the clock stays put: only the creation is under test
    app = make_app(sandbox.factory, sandbox.clock, sleep, bell=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), "the uploaded files")
        await pilot.press("enter")
        field = form.query_one("#training", Input)
        await wait_for(pilot, lambda: field.value == uploaded.id, "the file id in the field")
        await pilot.press("ctrl+s")  # a server file is not linted here: created at once
        await wait_for(pilot, lambda: screen.selected is not None, "the new job")
        assert screen.jobs[screen.selected or ""].training_file == uploaded.id
        sleep.running.set()


async def test_older_jobs_load_a_page_at_a_time(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tuiftune.ui.jobs.jobs_list as jobs_list

    monkeypatch.setattr(jobs_list, "LIST_LIMIT", 2)
    ids = []
    for _ in range(5):
        ids.append(await start_job(sandbox, jsonl(chat_rows(12))))
        sandbox.clock.advance(1)  # distinct creation times, so "newest first" is well defined
    app = make_app(sandbox.factory, sandbox.clock, StepSleep(sandbox.clock))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_jobs(pilot)
        await wait_for(pilot, lambda: len(screen.jobs) == 2, "the newest page")
        assert set(screen.jobs) == set(ids[-2:])
        await wait_for(pilot, lambda: "m: older jobs" in screen._link_text, "the hint")
        await pilot.press("m")
        await wait_for(pilot, lambda: len(screen.jobs) == 4, "one older page")
        await pilot.press("m")
        await wait_for(pilot, lambda: len(screen.jobs) == 5, "the last page")
        await wait_for(pilot, lambda: "m: older jobs" not in screen._link_text, "no more")
        assert set(screen.jobs) == set(ids)
