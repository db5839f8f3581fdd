"""The event log of one job, tailing live: oldest first, levels coloured, each event once."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import RichLog

from tuiftune.service.types import JobEvent as FineTuningJobEvent
from tuiftune.ui.jobs.format import event_text


class EventLog(RichLog):
    """A ``RichLog`` that appends only events it has not shown (a reconnect may repeat some)."""

    def __init__(self, *, id: str | None = None) -> None:
        # No markup and no highlighting: event messages are server text, shown as data.
        # min_width=1: RichLog's default of 78 renders every line 78 wide, wider than the log
        # at 80 columns, so wrapped lines lost their ends behind the scrollbar.
        super().__init__(
            id=id, markup=False, highlight=False, wrap=True, max_lines=5000, min_width=1
        )
        self.shown: list[str] = []
        self._ids: set[str] = set()

    def add_events(self, events: Iterable[FineTuningJobEvent]) -> int:
        """Append the new ones (oldest first, as given); returns how many were new."""
        added = 0
        for event in events:
            if event.id in self._ids:
                continue
            self._ids.add(event.id)
            self.shown.append(event.id)
            # Appending writes only the new line: the rest of the log is not repainted.
            self.write(event_text(event))
            added += 1
        return added

    def reset(self) -> None:
        """Forget everything (another job was selected)."""
        self.shown.clear()
        self._ids.clear()
        self.clear()
