"""The Jobs form on OpenAI: the base model's retirement date with the days left and the
wind-down of job creation, on the app's frozen clock; a sandbox shows neither."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.ui.jobs_helpers import FAST, StepSleep, in_process, wait_for
from tuiftune.server import ManualClock
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.jobs.create_form import CreateJobScreen
from tuiftune.ui.jobs.screen import JobsScreen


def _app(label: str, now: datetime) -> TuiftuneApp:
    sandbox = in_process()
    services = Services(
        backend_label=label, jobs_client_factory=sandbox.factory, clock=now.timestamp
    )
    app = TuiftuneApp(services)
    clock = ManualClock()
    app.remove_mode("jobs")
    app.add_mode("jobs", lambda: JobsScreen(clock=clock, sleep=StepSleep(clock), policy=FAST))
    return app


def _notes(form: CreateJobScreen) -> str:
    widget = form.query_one("#model-retirement", Static)
    return str(widget.render()) if widget.display else ""


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(tmp_path / "config.toml"))


async def test_openai_form_shows_days_left_and_the_wind_down() -> None:
    app = _app("OPENAI", datetime(2026, 12, 1, 12, tzinfo=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        await wait_for(pilot, lambda: "retires" in _notes(form), "the retirement line")
        notes = _notes(form)
        assert notes.startswith("retires 2027-01-14 (in 44 d)")
        assert "OpenAI stops creating fine-tuning jobs on 2027-01-06 (in 36 d)" in notes
        form.query_one("#model", Input).value = "babbage-002"
        await wait_for(pilot, lambda: not _notes(form).startswith("retires"), "another model")
        assert _notes(form).startswith("OpenAI stops creating")


async def test_sandbox_form_shows_nothing() -> None:
    app = _app("SANDBOX", datetime(2027, 1, 13, tzinfo=UTC))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        for _ in range(5):
            await pilot.pause()
        assert _notes(form) == ""
