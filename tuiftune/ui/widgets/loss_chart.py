"""The Jobs loss chart: train / valid / full-valid loss against step, checkpoints marked.

Drawn with textual-plotext (``ui/charts``: step and loss axes, a legend, checkpoint lines,
16-colour safe). A repaint of the plotext chart costs 1.1-1.5x the hand-drawn braille chart
it replaced (``bench/chart_bytes_bench.py``: 6.3 KB against 5.6 KB at 80x24 in 16 colours,
10.5 KB against 7.2 KB in truecolor), so live repaints are spaced out: at most one per
``repaint_interval`` seconds (about 5 s at 80x24), which keeps a live chart under 2 KB/s; the
last point always shows. ``chart_text`` is the old text rendering, kept for plain output.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from rich.text import Text
from textual.timer import Timer

from tuiftune.service.metrics import MetricPoint
from tuiftune.step_chart import chart_data
from tuiftune.ui.charts.metric_chart import MetricChart

# Braille dot bits by (x in 0..1, y in 0..3) inside one character cell.
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
SERIES = (
    ("train_loss", "train", "cyan"),
    ("valid_loss", "valid", "yellow"),
)
FULL_VALID = ("full_valid_loss", "full valid", "magenta")
AXIS = 7  # columns for the y labels


def _series(points: Sequence[MetricPoint], name: str) -> list[tuple[int, float]]:
    return [(p.step, v) for p in points if (v := p.get(name)) is not None]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def overfitting(points: Sequence[MetricPoint]) -> bool:
    """True when validation loss rises while training loss falls.

    Full-validation points (epoch ends) decide when there are two; otherwise the noisy per-step
    valid loss is compared window against window.
    """
    train = _series(points, "train_loss")
    full = _series(points, "full_valid_loss")
    if len(full) >= 2 and len(train) >= 2:
        (s0, v0), (s1, v1) = full[-2], full[-1]
        t0 = _mean([v for s, v in train if s <= s0] or [train[0][1]])
        t1 = _mean([v for s, v in train if s0 < s <= s1] or [train[-1][1]])
        return v1 > v0 and t1 < t0
    valid = _series(points, "valid_loss")
    w = max(3, len(valid) // 4)
    if len(valid) < 2 * w or len(train) < 2 * w:
        return False
    vs, ts = [v for _, v in valid], [v for _, v in train]
    return _mean(vs[-w:]) > _mean(vs[-2 * w : -w]) and _mean(ts[-w:]) < _mean(ts[-2 * w : -w])


BYTES_PER_CELL = 5.5  # a plotext repaint, truecolor (bench/chart_bytes_bench.py)
SSH_BUDGET = 2048  # bytes per second a live chart may write


def repaint_interval(width: int, height: int) -> float:
    """Seconds between live repaints so that one repaint per interval stays in budget."""
    return max(1.0, width * height * BYTES_PER_CELL / SSH_BUDGET)


class LossChart(MetricChart):
    """Loss curves of one job; call ``set_points`` with every point so far (and
    ``set_checkpoints`` with the checkpoint steps)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[MetricPoint] = []
        self.checkpoint_steps: tuple[int, ...] = ()
        self._last_paint = -math.inf
        self._pending: Timer | None = None

    def set_points(self, points: Sequence[MetricPoint]) -> None:
        """Replace the data; repaints when it changed, spaced out while training runs."""
        new = list(points)
        if new != self.points:
            self.points = new
            self._schedule()

    def set_checkpoints(self, steps: Sequence[int]) -> None:
        """Mark these checkpoint steps."""
        steps = tuple(sorted(set(steps)))
        if steps != self.checkpoint_steps:
            self.checkpoint_steps = steps
            self._schedule()

    def _schedule(self) -> None:
        if not self.is_mounted:
            self._paint()
            return
        wait = self._last_paint + repaint_interval(*self.size) - time.monotonic()
        if wait <= 0 or not self.points:
            self._paint()
        elif self._pending is None:
            self._pending = self.set_timer(wait, self._paint)

    def on_show(self) -> None:
        """Shown (its tab picked): the latest data at once, not at the next spaced repaint."""
        if self._pending is not None:
            self._pending.stop()
            self._paint()

    def _paint(self) -> None:
        self._pending = None
        self._last_paint = time.monotonic()
        warning = "overfitting: valid loss rising" if overfitting(self.points) else None
        self.set_data(chart_data(self.points, self.checkpoint_steps, warning=warning))


def _legend(points: Sequence[MetricPoint]) -> Text:
    out = Text()
    for key, label, style in (*SERIES, FULL_VALID):
        if any(p.get(key) is not None for p in points):
            out.append("● " if key != FULL_VALID[0] else "◆ ", style=style)
            out.append(f"{label}  ")
    last = points[-1] if points else None
    acc = last.get("train_mean_token_accuracy") if last else None
    if acc is not None:
        out.append(f"acc {acc:.2f}  ", style="dim")
    if overfitting(points):
        out.append("▲ overfitting: valid loss rising", style="bold black on yellow")
    return out


def chart_text(points: Sequence[MetricPoint], width: int, height: int) -> Text:
    """The chart as ``height`` lines of ``width`` cells (a pure function, for tests)."""
    if width < AXIS + 4 or height < 3:
        return Text("")
    if not points:
        return Text("no metrics yet", style="dim")
    rows, cols = height - 1, width - AXIS
    plotted = [(style, _series(points, key)) for key, _, style in SERIES]
    values = [v for _, s in plotted for _, v in s] + [v for _, v in _series(points, FULL_VALID[0])]
    if not values:
        return _legend(points)
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    first, last = points[0].step, max(p.step for p in points)
    total = points[-1].total_steps or last
    steps = max(1, max(total, last) - min(first, 1))

    def pixel(step: int, value: float) -> tuple[int, int]:
        x = round((step - 1) / steps * (cols * 2 - 1)) if steps else 0
        y = round((high - value) / span * (rows * 4 - 1))
        return min(max(x, 0), cols * 2 - 1), min(max(y, 0), rows * 4 - 1)

    bits = [[0] * cols for _ in range(rows)]
    color: list[list[str | None]] = [[None] * cols for _ in range(rows)]
    for style, series in plotted:
        prev: tuple[int, int] | None = None
        for step, value in series:
            x1, y1 = pixel(step, value)
            x0, y0 = prev or (x1, y1)
            # Join consecutive points with a straight run of dots, so the curve reads as a line.
            n = max(abs(x1 - x0), abs(y1 - y0), 1)
            for i in range(n + 1):
                x, y = x0 + (x1 - x0) * i // n, y0 + (y1 - y0) * i // n
                bits[y // 4][x // 2] |= _DOTS[x % 2][y % 4]
                color[y // 4][x // 2] = style
            prev = (x1, y1)
    marks: dict[tuple[int, int], str] = {}
    for step, value in _series(points, FULL_VALID[0]):
        x, y = pixel(step, value)
        marks[(y // 4, x // 2)] = "◆"
    out = _legend(points)
    for r in range(rows):
        out.append("\n")
        label = high if r == 0 else low if r == rows - 1 else None
        out.append(f"{label:>6.3f}│" if label is not None else "      │", style="dim")
        for c in range(cols):
            if (r, c) in marks:
                out.append("◆", style=FULL_VALID[2])
            elif bits[r][c]:
                out.append(chr(0x2800 + bits[r][c]), style=color[r][c] or "")
            else:
                out.append(" ")
    return out
