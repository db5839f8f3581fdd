"""The app's routers: a failed worker becomes one readable line and the app keeps running;
hand-off requests reach the target area as its own message."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import work
from textual.message import Message
from textual.notifications import Notify
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tests.ui.jobs_helpers import wait_for
from tuiftune.service.errors import RateLimitedError
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp, worker_error_line
from tuiftune.ui.messages import OpenModel, OpenRecord, RecordOpened
from tuiftune.ui.workers import ReportWorkerErrors


class Failing(ReportWorkerErrors, Screen[None]):
    """A screen whose worker raises; nothing on the screen catches it."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("x")

    @work(exit_on_error=False, name="fetch")
    async def fetch(self, error: BaseException) -> None:
        await asyncio.sleep(0)
        raise error


def test_worker_error_line_is_one_line_of_data() -> None:
    assert worker_error_line(RateLimitedError("Rate limited (429): slow down")) == (
        "Rate limited (429): slow down"
    )
    line = worker_error_line(RuntimeError("boom \x1b[2J\nsecond line"))
    assert line == "RuntimeError: boom \\x1b[2J"
    assert worker_error_line(KeyError()) == "KeyError"


async def test_a_failed_worker_is_reported_and_the_app_keeps_running() -> None:
    app = TuiftuneApp(Services("TEST"))
    messages: list[Message] = []
    async with app.run_test(message_hook=messages.append) as pilot:
        screen = Failing()
        await app.push_screen(screen)
        screen.fetch(ValueError("bad [bold]markup[/] \x1b]0;t\x07"))

        def notes() -> list[Notify]:
            return [m for m in messages if isinstance(m, Notify)]

        await wait_for(pilot, lambda: bool(notes()), "the error notification")
        (note,) = notes()
        assert note.notification.severity == "error"
        assert note.notification.title == "fetch failed"
        assert note.notification.message == "ValueError: bad [bold]markup[/] \\x1b]0;t\\x07"
        assert note.notification.markup is False
        errors = [
            m
            for m in messages
            if isinstance(m, Worker.StateChanged) and m.state is WorkerState.ERROR
        ]
        assert errors and {m.worker.name for m in errors} == {"fetch"}
        assert app.is_running and app.return_code is None


async def test_open_model_and_open_record_reach_the_target_area(tmp_path: Path) -> None:
    opened: list[object] = []

    class Dataset(Screen[None]):
        def on_record_opened(self, message: RecordOpened) -> None:
            opened.append((message.path, message.line))

    class Playground(Screen[None]):
        def on_model_opened(self, message: Message) -> None:
            opened.append(getattr(message, "model", None))

    app = TuiftuneApp(Services("TEST"))
    app.remove_mode("playground")
    app.add_mode("playground", Playground)
    async with app.run_test() as pilot:
        app.switch_mode("jobs")
        app.remove_mode("dataset")
        app.add_mode("dataset", Dataset)
        app.post_message(OpenModel("ft:gpt-4o-mini:org:x:1"))
        await wait_for(pilot, lambda: len(opened) == 1, "the playground hand-off")
        assert app.current_mode == "playground" and opened == ["ft:gpt-4o-mini:org:x:1"]
        app.post_message(OpenRecord(tmp_path / "train.jsonl", 7))
        await wait_for(pilot, lambda: len(opened) == 2, "the editor hand-off")
        assert app.current_mode == "dataset" and opened[1] == (tmp_path / "train.jsonl", 7)


async def test_no_notification_is_markup() -> None:
    # A server's error text with Rich/Textual markup in it: drawn as it is, the app stays up.
    app = TuiftuneApp(Services("TEST"))
    messages: list[Message] = []
    hostile = "bad [link=https://x.invalid]here[/link] [/] \x1b]0;t\x07 \u202e"
    async with app.run_test(message_hook=messages.append) as pilot:
        screen = Failing()
        await app.push_screen(screen)
        screen.notify(hostile, title="Watch stopped", severity="error")  # markup left at True
        app.notify("[/]")
        await wait_for(
            pilot, lambda: len([m for m in messages if isinstance(m, Notify)]) == 2, "the toasts"
        )
        await pilot.pause()
        notes = [m.notification for m in messages if isinstance(m, Notify)]
        assert [n.markup for n in notes] == [False, False]
        assert (
            notes[0].message == "bad [link=https://x.invalid]here[/link] [/] \\x1b]0;t\\x07 \\u202e"
        )
        assert notes[1].message == "[/]"
        assert app.is_running and app.return_code is None
