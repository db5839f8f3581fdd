"""Loss and eval metric against step, with checkpoints and the best one marked (plotext).

The drawing is ``tuiftune.step_chart.draw``, the one ``eval --job``'s text output uses too.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from tuiftune.step_chart import ChartData, draw


class MetricChart(PlotextPlot):
    """Call ``set_data`` with a ``ChartData``; the chart redraws only when it changes."""

    DEFAULT_CSS = """
    MetricChart { height: 1fr; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data = ChartData()
        draw(self.plt, self.data)

    def set_data(self, data: ChartData) -> None:
        """Show ``data`` (a no-op when it is what is shown)."""
        if data == self.data:
            return
        self.data = data
        draw(self.plt, self.data)
        self.refresh()
