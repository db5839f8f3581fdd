"""The simulated job's event slots as index arithmetic: any page is flat in the job's length.

The scheduled slots are a fixed head (created, validating, ...), then each step's metrics with
a checkpoint after every epoch end, then the closing three; the user's controls are merged in
after every scheduled slot at or before their moment. Nothing is materialized, so a read of
the newest 20 events of a 200,000-step job costs a few dozen operations.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import overload

from tuiftune.server.records import Control, TrainingPlan

# (effective time, kind, argument): the argument is a step number or a control's index.
Slot = tuple[float, str, int]

EPSILON = 1e-9
_CLOSING = ("model", "policy", "done")


class ScheduledSlots:
    """The slots of the schedule alone (no controls), computed on access."""

    def __init__(
        self,
        head: list[Slot],
        started: float | None,
        step_seconds: float,
        steps: int,
        per_epoch: int,
        end: float | None,
    ) -> None:
        self.head = head
        self._started = started
        self._step_seconds = step_seconds
        self._steps = steps
        self._per_epoch = per_epoch
        self._end = end
        body = 0
        if started is not None:
            body = 1 + steps + (steps // per_epoch if per_epoch > 0 else 0)
        self._body = body
        self._len = len(head) + body + (len(_CLOSING) if end is not None else 0)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, index: int) -> Slot:
        if not 0 <= index < self._len:
            raise IndexError(index)
        if index < len(self.head):
            return self.head[index]
        r = index - len(self.head)
        if r >= self._body:
            assert self._end is not None
            return (self._end, _CLOSING[r - self._body], 0)
        assert self._started is not None
        if r == 0:
            return (self._started, "started", 0)
        r -= 1
        # Each full epoch is its steps followed by one checkpoint.
        if self._per_epoch > 0:
            epoch, within = divmod(r, self._per_epoch + 1)
            if within == self._per_epoch:
                step = (epoch + 1) * self._per_epoch
                return (self._started + step * self._step_seconds, "checkpoint", step)
            step = epoch * self._per_epoch + within + 1
        else:
            step = r + 1
        return (self._started + step * self._step_seconds, "step", step)

    def count_until(self, when: float) -> int:
        """How many slots have a time at or before ``when`` (slot times never decrease)."""
        lo, hi = 0, self._len
        while lo < hi:
            mid = (lo + hi) // 2
            if self[mid][0] <= when + EPSILON:
                lo = mid + 1
            else:
                hi = mid
        return lo


class MergedSlots(Sequence[Slot]):
    """Scheduled slots with the controls merged in, by position arithmetic."""

    def __init__(self, scheduled: ScheduledSlots, controls: list[tuple[float, str, int]]) -> None:
        self._scheduled = scheduled
        self._controls = controls
        # Where each control lands in the merged sequence: after every earlier slot.
        self._positions = [
            min(scheduled.count_until(at), len(scheduled)) + j
            for j, (at, _, _) in enumerate(controls)
        ]

    def __len__(self) -> int:
        return len(self._scheduled) + len(self._controls)

    @overload
    def __getitem__(self, index: int) -> Slot: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Slot]: ...

    def __getitem__(self, index: int | slice) -> Slot | Sequence[Slot]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        j = bisect.bisect_left(self._positions, index)
        if j < len(self._positions) and self._positions[j] == index:
            return self._controls[j]
        return self._scheduled[index - j]


def merge_controls(
    scheduled: ScheduledSlots, controls: Sequence[Control], effective: list[float]
) -> MergedSlots:
    """``effective[i]`` is control ``i``'s moment in running time; the list stops at a cancel."""
    merged = [(effective[i], controls[i].action, i) for i in range(len(effective))]
    return MergedSlots(scheduled, merged)


def scheduled_slots(
    plan: TrainingPlan,
    has_validation_file: bool,
    validated: float,
    started: float,
    end: float,
    steps_done: int,
    step_seconds: float,
    reached: tuple[bool, bool, bool],
) -> ScheduledSlots:
    """The schedule up to now; ``reached`` says whether validation, the start and the end are."""
    head: list[Slot] = [(0.0, "created", 0), (0.0, "validating", 0)]
    if has_validation_file:
        head.append((0.0, "validating_valid", 0))
    is_validated, is_started, is_ended = reached
    if is_validated:
        head.append((validated, "failed" if plan.error is not None else "validated", 0))
    running = plan.error is None and is_started
    return ScheduledSlots(
        head,
        started if running else None,
        step_seconds,
        steps_done if running else 0,
        plan.steps_per_epoch,
        end if running and is_ended else None,
    )
