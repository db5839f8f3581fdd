"""The Jobs mode's pure parts: cells, durations, ETA, the error line, rerun, the chart."""

from __future__ import annotations

from tests.ui.jobs_frozen import JOBS, NOW, _events
from tuiftune.service.metrics import MetricPoint, points_from_events
from tuiftune.ui.jobs.format import (
    duration,
    error_line_number,
    eta_seconds,
    job_cells,
    progress_from_events,
    rerun_request,
    status_text,
)
from tuiftune.ui.widgets.loss_chart import chart_text, overfitting

SUCCEEDED, FAILED, RUNNING, PAUSED = JOBS


def test_durations_are_coarse_past_a_minute() -> None:
    assert [duration(s) for s in (None, -1, 5, 65, 3599, 3 * 3600 + 720)] == [
        "-", "-", "5s", "1m", "59m", "3h12m",
    ]  # fmt: skip


def test_unknown_status_shows_as_it_is() -> None:
    assert status_text("paused").plain == "paused"
    assert status_text("brand_new_state").plain == "brand_new_state"


def test_progress_and_eta_from_step_rate() -> None:
    progress = progress_from_events(_events(RUNNING.id))
    assert progress is not None and (progress.step, progress.total_steps) == (24, 36)
    assert progress.rate is not None and progress.rate > 0
    eta = eta_seconds(RUNNING, progress, NOW)
    assert eta is not None and eta > 0
    assert eta_seconds(SUCCEEDED, progress, NOW) is None
    cells = job_cells(RUNNING, progress, NOW)
    assert cells[1] == "24/36" and str(cells[5]) == "…:vault"


def test_error_line_and_rerun_request() -> None:
    assert error_line_number(FAILED) == 4
    assert error_line_number(SUCCEEDED) is None
    req = rerun_request(RUNNING)
    assert (req.model, req.training_file, req.seed, req.suffix) == (
        RUNNING.model, RUNNING.training_file, RUNNING.seed, "vault",
    )  # fmt: skip
    assert req.hyperparameters.n_epochs == 3 and req.metadata == {"team": "support"}


def test_overfitting_warning() -> None:
    points = points_from_events(reversed(_events(RUNNING.id)))
    assert overfitting(points)
    falling = [MetricPoint(s, {"train_loss": 1 / s, "valid_loss": 1 / s}) for s in range(1, 30)]
    assert not overfitting(falling)
    text = chart_text(points, 60, 12)
    assert "overfitting" in text.plain and len(text.plain.splitlines()) == 12
    assert chart_text([], 60, 12).plain == "no metrics yet"


def test_provider_extras_are_rows_of_the_detail() -> None:
    from dataclasses import dataclass, replace

    from tuiftune.service.types import ProviderExtras
    from tuiftune.ui.jobs.format import detail_text

    @dataclass(frozen=True)
    class Estimate(ProviderExtras):
        total_usd: float | None = None
        queue_depth: int | None = None
        note: str | None = None

    job = replace(RUNNING, extras=(Estimate(total_usd=1.25, note="[bold]x[/] \x1b[2J"),))
    text = detail_text(job).plain
    assert "provider   total usd 1.25, note [bold]x[/] \\x1b[2J" in text
    assert "queue depth" not in text and "\x1b" not in text
    assert "provider" not in detail_text(RUNNING).plain
