"""Wall time versus effective time: how long a job has really run, pauses left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tuiftune.server.records import Control


@dataclass(frozen=True)
class Segment:
    """A stretch of wall time during which the job ran."""

    wall_start: float
    eff_start: float
    wall_end: float | None  # None: still running


@dataclass(frozen=True)
class Timeline:
    """The running segments of one job up to some moment."""

    segments: tuple[Segment, ...]
    paused: bool
    cancelled_at: float | None

    @classmethod
    def build(cls, created_at: float, controls: Sequence[Control], now: float) -> Timeline:
        """Replay the job's pause/resume/cancel actions that happened by ``now``."""
        segments: list[Segment] = []
        start, eff, active = created_at, 0.0, True
        cancelled_at: float | None = None
        for control in controls:
            if control.at > now:
                break
            if control.action in ("pause", "cancel") and active:
                segments.append(Segment(start, eff, control.at))
                eff += control.at - start
                active = False
            elif control.action == "resume" and not active and cancelled_at is None:
                start, active = control.at, True
            if control.action == "cancel":
                cancelled_at = control.at
                break
        if active:
            segments.append(Segment(start, eff, None))
        return cls(
            tuple(segments), paused=not active and cancelled_at is None, cancelled_at=cancelled_at
        )

    def effective(self, when: float) -> float:
        """Seconds of running time accumulated by wall time ``when``."""
        eff = 0.0
        for seg in self.segments:
            if when <= seg.wall_start:
                return seg.eff_start
            if seg.wall_end is None or when <= seg.wall_end:
                return seg.eff_start + (when - seg.wall_start)
            eff = seg.eff_start + (seg.wall_end - seg.wall_start)
        return eff

    def wall(self, eff: float) -> float:
        """The first wall-clock moment at which the job had run ``eff`` seconds."""
        for seg in self.segments:
            if seg.wall_end is None or eff <= seg.eff_start + (seg.wall_end - seg.wall_start):
                return seg.wall_start + max(0.0, eff - seg.eff_start)
        last = self.segments[-1]
        return last.wall_start + (eff - last.eff_start)
