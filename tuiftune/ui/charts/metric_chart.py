"""Loss and eval metric against step, with checkpoints and the best one marked (plotext).

Readable at 80x24 and in 16 colours: every series has its own marker as well as its own basic
ANSI colour, and the best checkpoint is named in the title, not only drawn in green. Only
fixed words and numbers reach plotext (its output is parsed as ANSI): no model or user text.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from tuiftune.ui.charts.series import ChartData, Series

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


class MetricChart(PlotextPlot):
    """Call ``set_data`` with a ``ChartData``; the chart redraws only when it changes."""

    DEFAULT_CSS = """
    MetricChart { height: 1fr; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data = ChartData()
        self._draw()

    def set_data(self, data: ChartData) -> None:
        """Show ``data`` (a no-op when it is what is shown)."""
        if data == self.data:
            return
        self.data = data
        self._draw()
        self.refresh()

    def _draw(self) -> None:
        plt, data = self.plt, self.data
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
            draw = plt.scatter if attr == "full_valid" else plt.plot
            draw(x, y, label=label, color=colour, marker=marker)
        for step in data.checkpoints:
            if step != data.best:
                plt.vertical_line(step, CHECKPOINT_COLOUR)
        ticks = _ticks(data)
        plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
        if data.scores and data.metric:
            x, y = _xy(data.scores)
            plt.scatter(x, y, label=data.metric, color=METRIC_COLOUR, marker="◆", yside="right")
            # The stub types ylabel with xside; plotext itself takes yside here.
            plt.ylabel(data.metric, yside="right")  # type: ignore[call-arg]
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
