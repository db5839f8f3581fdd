"""The Events tab at 80x24: long event lines wrap inside the log, none of their characters
behind the scrollbar, whether the scrollbar came before or after the lines."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

import tuiftune.ui.jobs.screen as jobs_screen
from tests.ui.jobs_helpers import wait_for
from tuiftune.service.types import JobEvent
from tuiftune.ui.widgets.event_log import EventLog

WORDS = "validation loss went down again on this checkpoint, see the chart for more"


def events(start: int, count: int) -> list[JobEvent]:
    return [
        JobEvent(f"ev-{i}", 1_700_000_000 + i, "info", f"step {i}: {WORDS} ({i}) END{i}")
        for i in range(start, start + count)
    ]


class LogApp(App[None]):
    """The log as the Jobs area styles it (jobs.tcss), inside a tab pane's padding."""

    CSS_PATH = Path(jobs_screen.__file__).parent.parent / "styles" / "jobs.tcss"
    CSS = "Screen { padding: 0 1; }"

    def compose(self) -> ComposeResult:
        yield EventLog(id="event-log")


def widest(log: EventLog) -> int:
    return max(strip.cell_length for strip in log.lines)


async def test_wrapped_lines_stay_clear_of_the_scrollbar() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(EventLog)
        await pilot.pause()
        log.add_events(events(0, 3))  # no scrollbar yet
        await pilot.pause()
        log.add_events(events(3, 30))  # now there is one
        await wait_for(pilot, lambda: log.show_vertical_scrollbar, "the scrollbar")
        await pilot.pause()
        room = log.scrollable_content_region.width
        assert widest(log) <= room, (widest(log), room)
        text = "".join(strip.text for strip in log.lines).replace(" ", "")
        for event in events(0, 33):  # every character of every event is in the log
            assert event.message.replace(" ", "") in text
