"""The create-job form and the create flow say which validation rows are also training rows,
naming both files and lines, before and after the upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Checkbox, Input

from tests.server.helpers import chat_rows, jsonl
from tests.ui.jobs_helpers import Sandbox, StepSleep, in_process, make_app, open_jobs, wait_for
from tuiftune.ui.jobs.create_form import CreateJobScreen


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The upload cache lives in the test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def files(tmp_path: Path) -> tuple[Path, Path]:
    """12 training rows; a validation file whose line 2 is training line 4 and whose line 1
    is unlike any of them."""
    rows = chat_rows(12)
    other = {
        "messages": [
            {"role": "user", "content": "Summarise the quarterly report in one sentence."},
            {"role": "assistant", "content": "Revenue grew while costs held steady."},
        ]
    }
    train, valid = tmp_path / "train.jsonl", tmp_path / "valid.jsonl"
    train.write_bytes(jsonl(rows))
    valid.write_bytes(jsonl([other, rows[3]]))
    return train, valid


class FormApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(CreateJobScreen())


async def test_the_lint_names_validation_rows_found_in_the_training_file(tmp_path: Path) -> None:
    train, valid = files(tmp_path)
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        form.query_one("#training", Input).value = str(train)
        form.query_one("#validation", Input).value = str(valid)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: form.report is not None, "the lint")
        shown = str(form.query_one("#lint-result").render())
        assert f"1 of 2 rows of {valid} are in {train} (1 exact)" in shown
        assert f"{valid} line 2 ~ {train} line 4: the same text" in shown
        # without a validation file there is nothing to compare
        form.query_one("#validation", Input).value = ""
        form.report = None
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: form.report is not None, "the second lint")
        assert "rows of" not in str(form.query_one("#lint-result").render())


async def test_creating_the_job_warns_of_the_overlap(tmp_path: Path) -> None:
    sandbox: Sandbox = in_process()
    train, valid = files(tmp_path)
    app = make_app(sandbox.factory, sandbox.clock, StepSleep(sandbox.clock))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        form.query_one("#training", Input).value = str(train)
        form.query_one("#validation", Input).value = str(valid)
        form.query_one("#force", Checkbox).value = True  # a 2-row validation file is too few
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.report is not None, "the lint")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.selected is not None, "the new job")
        await wait_for(
            pilot,
            lambda: any(n.title == "Validation overlap" for n in app._notifications),
            "the overlap warning",
        )
        (note,) = [n for n in app._notifications if n.title == "Validation overlap"]
        assert note.message.splitlines() == [
            f"1 of 2 rows of {valid} are in {train} (1 exact)",
            f"  {valid} line 2 ~ {train} line 4: the same text",
        ]
        assert not note.markup
