"""What a metric-by-step chart shows, gathered from metric points and a checkpoint matrix.

No Textual here: the series are plain tuples, so tests and the widget agree on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tuiftune.evaluation.checkpoint_matrix import CheckpointMatrix
from tuiftune.service.types import MetricPoint

Series = tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class ChartData:
    """Loss series by step, checkpoint steps, the eval metric per checkpoint and the best."""

    train: Series = ()
    valid: Series = ()
    full_valid: Series = ()
    checkpoints: tuple[int, ...] = ()
    metric: str | None = None
    scores: Series = ()  # the metric at each scored step (the base model at step 0)
    best: int | None = None  # the best checkpoint's step
    warning: str | None = None  # shown in the title, first (overfitting)

    @property
    def empty(self) -> bool:
        """Nothing to draw yet."""
        return not (self.train or self.valid or self.full_valid or self.scores)

    def best_score(self) -> float | None:
        """The metric of the best step."""
        return next((v for s, v in self.scores if s == self.best), None)


def _series(points: Sequence[MetricPoint], name: str) -> Series:
    return tuple((p.step, v) for p in points if (v := p.get(name)) is not None)


def chart_data(
    points: Sequence[MetricPoint],
    checkpoints: Sequence[int] = (),
    matrix: CheckpointMatrix | None = None,
    *,
    warning: str | None = None,
) -> ChartData:
    """The chart of a job: its metric points, checkpoint steps and, once scored, its matrix."""
    steps = set(checkpoints)
    scores: dict[int, float] = {}
    best: int | None = None
    if matrix is not None:
        for row in matrix.rows:
            step = 0 if row.entry.kind == "base" else row.entry.step
            if step is None or row.score is None:
                continue
            if row.entry.kind != "base":
                steps.add(step)
            # The final model shares its step with the last checkpoint: the checkpoint's
            # score is drawn, and the best mark goes to that step either way.
            scores.setdefault(step, row.score)
            if row.best:
                best = step
    return ChartData(
        train=_series(points, "train_loss"),
        valid=_series(points, "valid_loss"),
        full_valid=_series(points, "full_valid_loss"),
        checkpoints=tuple(sorted(steps)),
        metric=matrix.metric if matrix is not None else None,
        scores=tuple(sorted(scores.items())),
        best=best,
        warning=warning,
    )
