"""The editor's keys over loaded training losses: ``l`` sorts the list by loss (and back to
file order), ``j`` visits the rows whose label conflicts with the highlighted one."""

from __future__ import annotations

from tuiftune.ui.dataset.base import DatasetBase
from tuiftune.ui.dataset.record_list import RecordList

LOAD_HINT = "no training losses loaded: ctrl+p, 'Load training losses from job...'"


class LossActions(DatasetBase):
    """Sort by loss, and jump between a row and the rows it conflicts with."""

    # (the row j started from, the rows it conflicts with, the one shown last)
    _conflict_tour: tuple[int, list[int], int] | None = None

    def action_sort_by_loss(self) -> None:
        """Sort the record list by training loss, highest first, or back to file order."""
        records = self.query(RecordList)
        if not records or records.first().losses is None:
            self.notify(LOAD_HINT, severity="warning")
            return
        records_list = records.first()
        on = not records_list.sorted_by_loss
        records_list.sort_by_loss(on)
        self._update_status()  # the row number is the list's: it changed with the order
        self.notify("sorted by loss, highest first" if on else "in file order")

    def action_jump_conflict(self) -> None:
        """Go to the next row with the highlighted row's prompt and another answer; pressed
        again there, to the one after (and back to where it started)."""
        records = self.query(RecordList)
        if not records or self.session is None:
            return
        here = self._pos
        tour = self._conflict_tour
        if tour is not None and tour[1] and tour[1][tour[2] % len(tour[1])] == here:
            start, others, shown = tour
            step = shown + 1
            target = start if step >= len(others) else others[step]
            self._conflict_tour = None if step >= len(others) else (start, others, step)
        else:
            others = records.first().conflicts_here()
            if not others:
                self.notify("no conflicting-label finding on this row", severity="warning")
                return
            target = others[0]
            self._conflict_tour = (here, others, 0)
        self._go_to_pos(target)
