"""A braille line chart of train and valid loss against step, drawn in the terminal.

Drawn here rather than with textual-plotext: a few dozen lines, no extra dependency, and the
widget repaints only when a metric point arrives (plotext redraws its whole canvas through a
second rendering library on every refresh, which costs bytes over SSH).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from tuiftune.service.metrics import MetricPoint

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


class LossChart(Widget):
    """Loss curves of one job; call ``set_points`` with every point so far."""

    DEFAULT_CSS = """
    LossChart { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[MetricPoint] = []

    def set_points(self, points: Sequence[MetricPoint]) -> None:
        """Replace the data; repaints only when it changed."""
        new = list(points)
        if new != self.points:
            self.points = new
            self.refresh()

    def render(self) -> Text:
        """The legend (with an overfitting warning) and the plot."""
        width, height = self.size.width, self.size.height
        return chart_text(self.points, width, height)


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
