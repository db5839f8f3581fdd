"""The metric-by-step chart: loss series, checkpoint marks and the best checkpoint, at 80x24,
in colours a 16-colour terminal has, and a snapshot."""

from __future__ import annotations

from typing import Any

from rich.color import ColorType
from textual.app import App, ComposeResult

from tuiftune.evaluation.checkpoint_matrix import MatrixEntry, build_matrix
from tuiftune.evaluation.results import EvalResult
from tuiftune.service.types import MetricPoint
from tuiftune.step_chart import chart_data
from tuiftune.ui.charts.metric_chart import MetricChart

STEPS = 30


def _points() -> list[MetricPoint]:
    out = []
    for step in range(1, STEPS + 1):
        values: dict[str, float | None] = {"train_loss": 2.5 * 0.93**step}
        if step % 5 == 0:
            values["valid_loss"] = 2.6 * 0.95**step + 0.02 * (step > 20) * (step - 20)
        if step % 10 == 0:
            values["full_valid_loss"] = 2.6 * 0.95**step
        out.append(MetricPoint(step, values, STEPS))
    return out


def _matrix() -> Any:
    entries = [MatrixEntry("base", "m")]
    entries += [MatrixEntry("checkpoint", f"m:ckpt-{s}", s) for s in (10, 20, 30)]
    entries += [MatrixEntry("final", "m:final", 30)]
    passes = {"m": 1, "m:ckpt-10": 5, "m:ckpt-20": 9, "m:ckpt-30": 7, "m:final": 7}
    results = [
        EvalResult(i, model, "x", "y", {"em_norm": float(i < n)})
        for model, n in passes.items()
        for i in range(10)
    ]
    return build_matrix(entries, results, "em_norm")


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricChart(id="chart")

    def on_mount(self) -> None:
        self.query_one(MetricChart).set_data(chart_data(_points(), (10, 20, 30), _matrix()))


def test_chart_data_from_points_and_matrix() -> None:
    data = chart_data(_points(), (10, 20, 30), _matrix())
    assert len(data.train) == STEPS and [s for s, _ in data.valid] == [5, 10, 15, 20, 25, 30]
    assert [s for s, _ in data.full_valid] == [10, 20, 30]
    assert data.checkpoints == (10, 20, 30)
    assert data.scores == ((0, 0.1), (10, 0.5), (20, 0.9), (30, 0.7))
    assert data.best == 20 and data.best_score() == 0.9
    assert chart_data([]).empty


async def test_chart_draws_series_marks_and_the_best_in_16_colours() -> None:
    app = ChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chart = app.query_one(MetricChart)
        assert chart.size.width == 80 and chart.size.height == 24
        text = chart.render()
        plain = text.plain  # type: ignore[union-attr]
        assert "best: step 20 (em_norm 0.900)" in plain
        for legend in ("train loss", "valid loss", "full valid", "em_norm", "step"):
            assert legend in plain
        colours = {
            span.style.color.number
            for span in text.spans  # type: ignore[union-attr]
            if not isinstance(span.style, str)
            and span.style.color
            and span.style.color.type is ColorType.STANDARD
        }
        # Cyan, yellow, magenta and green series, grey checkpoints, the best in bright green:
        # all among the 16 colours every terminal has.
        assert {6, 3, 5, 2, 8, 10} <= colours
        # The same data again does not redraw.
        before = chart.data
        chart.set_data(chart_data(_points(), (10, 20, 30), _matrix()))
        assert chart.data is before


def test_metric_chart_80x24(snap_compare: Any) -> None:
    assert snap_compare(ChartApp(), terminal_size=(80, 24))


class LossApp(App[None]):
    def compose(self) -> ComposeResult:
        from tuiftune.ui.widgets.loss_chart import LossChart

        yield LossChart(id="loss")


async def test_live_loss_chart_repaints_are_spaced_out() -> None:
    from tuiftune.ui.widgets.loss_chart import LossChart, repaint_interval

    # One plotext repaint at 80x24 costs about 10.5 KB (bench/chart_bytes_bench.py).
    assert 10_502 / repaint_interval(80, 24) < 2048
    app = LossApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(LossChart)
        points = _points()
        chart.set_points(points[:10])
        await pilot.pause()
        assert len(chart.data.train) == 10  # the first points show at once
        chart.set_points(points[:11])
        chart.set_checkpoints([10])
        await pilot.pause()
        assert len(chart.data.train) == 10  # the next ones wait for the spaced repaint
        chart.on_show()  # shown (its tab picked): the latest data at once
        assert len(chart.data.train) == 11 and chart.data.checkpoints == (10,)
        assert "train loss" in chart.render().plain  # type: ignore[union-attr]
