"""The metric-by-step chart, shared by the Jobs widgets (``ui/charts``) and the text output of
``tuiftune eval --job`` (which never import each other): what it shows (``ChartData``, plain
tuples gathered from metric points and a checkpoint matrix) and how plotext draws it.

Readable at 80x24 and in 16 colours: every series has its own marker as well as its own basic
ANSI colour, and the best checkpoint is named in the title, not only drawn in green. Only
fixed words and numbers reach plotext (its output is parsed as ANSI): no model or user text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tuiftune.evaluation.checkpoint_matrix import CheckpointMatrix
from tuiftune.service.types import MetricPoint

Series = tuple[tuple[int, float], ...]
# ANSI colour numbers (0-15, what every 16-colour terminal has); plotext's own colour names
# do not map onto them (its "yellow" is ANSI 12, bright blue).
CYAN, YELLOW, MAGENTA, GREEN, GREY, BRIGHT_GREEN = 6, 3, 5, 2, 8, 10
# (attribute, legend, colour, marker): distinct in colour and in shape.
LOSSES = (
    ("train", "train loss", CYAN, "braille"),
    ("valid", "valid loss", YELLOW, "dot"),
    ("full_valid", "full valid", MAGENTA, "x"),
)
METRIC_COLOUR, BEST_COLOUR, CHECKPOINT_COLOUR = GREEN, BRIGHT_GREEN, GREY


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


def matrix_points(matrix: CheckpointMatrix) -> list[MetricPoint]:
    """The losses each checkpoint reported, as metric points: the loss series of a job whose
    results file is not there yet (a running job) or could not be read."""
    seen: dict[int, MetricPoint] = {}
    for row in matrix.rows:
        entry = row.entry
        if entry.step is not None and entry.losses and entry.step not in seen:
            seen[entry.step] = MetricPoint(entry.step, dict(entry.losses))
    return [seen[s] for s in sorted(seen)]


def _xy(series: Series) -> tuple[list[int], list[float]]:
    return [s for s, _ in series], [v for _, v in series]


def _ticks(data: ChartData, most: int = 6) -> list[int]:
    """Whole steps for the x axis (plotext would label 7.5), at most ``most`` of them."""
    steps = [s for series in (data.train, data.valid, data.scores) for s, _ in series]
    low, high = min(steps, default=0), max(steps, default=1)
    span = max(1, high - low)
    raw = span / (most - 1)
    step = next(n * 10**k for k in range(12) for n in (1, 2, 5) if n * 10**k >= raw)
    first = (low + step - 1) // step * step
    return list(range(first, high + 1, step))


def draw(plt: Any, data: ChartData) -> None:
    """Draw ``data`` on a plotext figure (textual-plotext's ``Plot``, or plotext itself); any
    earlier drawing is cleared first. ``plt`` is typed loosely: the two share the methods but
    no type (plotext ships none)."""
    plt.clear_figure()
    plt.xlabel("step")
    plt.ylabel("loss")
    if data.empty:
        plt.title("no metrics yet")
        return
    for attr, label, colour, marker in LOSSES:
        series: Series = getattr(data, attr)
        if not series:
            continue
        x, y = _xy(series)
        # Epoch-end points (full valid) are few: points, where a line would hide them.
        plot = plt.scatter if attr == "full_valid" else plt.plot
        plot(x, y, label=label, color=colour, marker=marker)
    for step in data.checkpoints:
        if step != data.best:
            plt.vertical_line(step, CHECKPOINT_COLOUR)
    ticks = _ticks(data)
    plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
    if data.scores and data.metric:
        x, y = _xy(data.scores)
        plt.scatter(x, y, label=data.metric, color=METRIC_COLOUR, marker="◆", yside="right")
        plt.ylabel(data.metric, yside="right")
    title = ""
    if data.best is not None:
        plt.vertical_line(data.best, BEST_COLOUR)
        score = data.best_score()
        shown = "" if score is None else f" ({data.metric} {score:.3f})"
        name = "base" if data.best == 0 else f"step {data.best}"
        title = f"best: {name}{shown}"
    elif data.checkpoints:
        title = f"checkpoints at steps {', '.join(map(str, data.checkpoints[-4:]))}"
    if data.warning:
        title = f"{data.warning}  {title}" if title else data.warning
    if title:
        plt.title(title)


def text_chart(data: ChartData, *, width: int = 80, height: int = 18, colour: bool = False) -> str:
    """The chart as lines of text at most ``width`` columns wide; ANSI colours only with
    ``colour`` (a terminal), otherwise plain text without a single escape."""
    # plotext's public functions draw on its one module-level figure: cleared first (by
    # ``draw``), and a command draws one chart at a time.
    import plotext

    draw(plotext, data)
    # The default theme paints a white canvas with black axes (unreadable on a dark terminal);
    # "clear" keeps the terminal's own colours and the series' 16 basic ones.
    plotext.theme("clear")
    plotext.plot_size(width, height)
    built: str = plotext.build()
    if not colour:
        built = plotext.uncolorize(built)
    lines = [line.rstrip() for line in built.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
