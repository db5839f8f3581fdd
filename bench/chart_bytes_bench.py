"""What one repaint of the Jobs loss chart costs over SSH: the hand-drawn braille chart
(``ui/widgets/loss_chart.chart_text``) against the plotext chart (``ui/charts``), measured
side by side in one run.

The chart repaints once per new metric point (at most once per poll), so bytes per repaint
times polls per second is its live cost. Each chart fills an 80x24 (and 120x40) screen; the
bytes are what Textual's driver writes for a full repaint of it, in 16 colours and in
truecolor. Run: ``python bench/chart_bytes_bench.py``.
"""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console
from textual.app import App, ComposeResult
from textual.widget import Widget

from tuiftune.service.types import MetricPoint
from tuiftune.step_chart import chart_data
from tuiftune.ui.charts.metric_chart import MetricChart
from tuiftune.ui.widgets.loss_chart import chart_text

STEPS = 200


def points() -> list[MetricPoint]:
    """A job's worth of metrics: train loss every step, valid every 10, full valid every 50."""
    out = []
    for step in range(1, STEPS + 1):
        values: dict[str, float | None] = {"train_loss": 2.5 * 0.985**step + 0.05 * (step % 7) / 7}
        if step % 10 == 0:
            values["valid_loss"] = 2.6 * 0.99**step
        if step % 50 == 0:
            values["full_valid_loss"] = 2.6 * 0.99**step
        out.append(MetricPoint(step, values, STEPS))
    return out


class HandDrawn(Widget):
    def render(self) -> object:
        return chart_text(points(), self.size.width, self.size.height)


class Bench(App[None]):
    def __init__(self, plotext: bool) -> None:
        super().__init__()
        self.plotext = plotext

    def compose(self) -> ComposeResult:
        if self.plotext:
            chart = MetricChart()
            chart.set_data(chart_data(points(), (50, 100, 150, 200)))
            yield chart
        else:
            yield HandDrawn()


async def repaint_bytes(plotext: bool, size: tuple[int, int], colours: str) -> int:
    app = Bench(plotext)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        update = app.screen._compositor.render_update(full=True)
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            force_terminal=True,
            color_system=colours,
            width=size[0],
            legacy_windows=False,
        )
        console.print(update, end="")
        return len(buffer.getvalue().encode("utf-8"))


async def main() -> None:
    print("bytes for one full repaint of the loss chart (lower is cheaper over SSH)")
    for size in ((80, 24), (120, 40)):
        for colours in ("standard", "truecolor"):
            old = await repaint_bytes(False, size, colours)
            new = await repaint_bytes(True, size, colours)
            print(
                f"  {size[0]}x{size[1]} {colours:<9}  hand-drawn {old:>7,} B   "
                f"plotext {new:>7,} B   ratio {new / old:4.2f}x"
            )
    print("live cost = bytes per repaint x repaints per second (one per new point, <= 1/poll)")


if __name__ == "__main__":
    asyncio.run(main())
