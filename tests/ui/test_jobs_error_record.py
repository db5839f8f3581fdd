"""``g`` on a failed job whose error names a line opens that line in the Dataset editor: the
local file is the one whose content was uploaded (the editor's file, or one of the uploaded
name in the start folder), else the user is asked for it. OpenRecord -> RecordOpened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Input

from tests.ui.jobs_helpers import (
    Sandbox,
    StepSleep,
    in_process,
    open_jobs,
    start_job,
    wait_for,
)
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.dataset.record_list import RecordList
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.jobs.screen import JobsScreen
from tuiftune.ui.screens.modals import AskScreen

BAD_LINE = 7


def flawed_rows() -> bytes:
    rows: list[dict[str, object]] = [
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
        for i in range(12)
    ]
    rows[BAD_LINE - 1] = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant"}]}
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The upload cache in the test's folder; the app starts in an empty folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    start = tmp_path / "start"
    start.mkdir()
    monkeypatch.chdir(start)
    return start


def app_on(sandbox: Sandbox, path: Path | None) -> TuiftuneApp:
    app = TuiftuneApp(Services(backend_label="SANDBOX", jobs_client_factory=sandbox.factory), path)
    sleep = StepSleep(sandbox.clock)
    app.remove_mode("jobs")
    app.add_mode("jobs", lambda: JobsScreen(clock=sandbox.clock, sleep=sleep, list_interval=0.05))
    return app


async def failed_and_loaded(pilot: Pilot[None], screen: JobsScreen, job_id: str) -> None:
    await wait_for(pilot, lambda: screen.jobs.get(job_id) is not None, "the job")
    await wait_for(pilot, lambda: screen.jobs[job_id].status == "failed", "the failure", 20)
    await wait_for(pilot, lambda: screen.error_line is not None, "the error line", 20)


def editor_line(app: TuiftuneApp) -> int | None:
    screen = app.screen
    if not isinstance(screen, DatasetScreen) or screen.session is None:
        return None
    if not screen.session.linter.ready:
        return None
    return screen.session.pos_of_row(screen.query_one(RecordList).cursor) + 1


async def test_g_opens_the_failed_line_of_the_open_file(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_bytes(flawed_rows())
    sandbox = in_process()
    job_id = await start_job(sandbox, data.read_bytes())
    app = app_on(sandbox, data)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: editor_line(app) == 1, "the editor on line 1")
        screen = await open_jobs(pilot)
        await failed_and_loaded(pilot, screen, job_id)
        assert "g: open this line" in str(screen.query_one("#overview-text").render())
        await pilot.press("g")
        await wait_for(pilot, lambda: editor_line(app) == BAD_LINE, f"line {BAD_LINE}")
        assert app.current_mode == "dataset"


async def test_g_finds_the_uploaded_name_in_the_start_folder(
    tmp_path: Path, isolated: Path
) -> None:
    (isolated / "t.jsonl").write_bytes(flawed_rows())  # start_job uploads as t.jsonl
    sandbox = in_process()
    job_id = await start_job(sandbox, flawed_rows())
    app = app_on(sandbox, None)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        await failed_and_loaded(pilot, screen, job_id)
        await pilot.press("g")
        await wait_for(pilot, lambda: editor_line(app) == BAD_LINE, f"line {BAD_LINE}")
        dataset = app.screen
        assert isinstance(dataset, DatasetScreen)
        assert dataset.path is not None and dataset.path.resolve() == isolated / "t.jsonl"


async def test_g_asks_for_the_file_when_none_matches(tmp_path: Path) -> None:
    elsewhere = tmp_path / "copies [1]" / "train.jsonl"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(flawed_rows())
    sandbox = in_process()
    job_id = await start_job(sandbox, flawed_rows())
    app = app_on(sandbox, None)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        await failed_and_loaded(pilot, screen, job_id)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), "the question")
        question = app.screen
        assert f"line {BAD_LINE}" in str(question.query_one(".dialog-title").render())
        question.query_one(Input).value = str(elsewhere)
        await pilot.press("enter")
        await wait_for(pilot, lambda: editor_line(app) == BAD_LINE, f"line {BAD_LINE}")


async def test_g_on_a_job_without_a_failed_line_says_so(tmp_path: Path) -> None:
    sandbox = in_process()
    rows = flawed_rows().splitlines(keepends=True)
    good = b"".join(rows[: BAD_LINE - 1] + rows[BAD_LINE:] + rows[:1])
    job_id = await start_job(sandbox, good)
    app = app_on(sandbox, None)
    messages: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        screen = await open_jobs(pilot)
        await wait_for(pilot, lambda: screen.jobs.get(job_id) is not None, "the job")

        def notes() -> list[str]:
            return [m.notification.message for m in messages if isinstance(m, Notify)]

        await pilot.press("g")
        await wait_for(pilot, lambda: any("names no line" in n for n in notes()), "the note")
        assert app.current_mode == "jobs"
