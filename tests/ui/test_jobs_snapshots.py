"""What the Jobs mode looks like at 80x24 (SSH) and 120x40, with frozen data and a fixed clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.jobs_frozen import NOW, FrozenBackend, never
from tests.ui.jobs_helpers import wait_for
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.jobs.screen import JobsScreen


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen are local: pin the zone so the snapshots match everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def frozen_app() -> TuiftuneApp:
    return TuiftuneApp(Services("SANDBOX"))


def frozen_screen() -> JobsScreen:
    return JobsScreen(
        backend=FrozenBackend(), clock=lambda: NOW, sleep=never, list_interval=3600, bell=False
    )


def show(*keys: str) -> Any:
    async def run_before(pilot: Pilot[None]) -> None:
        # Swapped in here: changing a mode needs the app's event loop.
        await pilot.app.remove_mode("jobs")
        pilot.app.add_mode("jobs", frozen_screen)
        await pilot.press("f3")
        screen = pilot.app.screen
        assert isinstance(screen, JobsScreen)
        # the running job is the newest but one: select it and wait for its first poll
        await wait_for(pilot, lambda: screen.selected is not None, "the first job selected")
        await pilot.press("down")
        await wait_for(
            pilot,
            lambda: len(screen.points) >= 24 and bool(screen._ckpt_models),
            "the running job's points and checkpoints",
        )
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


def test_jobs_overview_80x24(snap_compare: Any) -> None:
    assert snap_compare(frozen_app(), terminal_size=(80, 24), run_before=show("1"))


def test_jobs_chart_80x24(snap_compare: Any) -> None:
    assert snap_compare(frozen_app(), terminal_size=(80, 24), run_before=show("3"))


def test_jobs_events_120x40(snap_compare: Any) -> None:
    assert snap_compare(frozen_app(), terminal_size=(120, 40), run_before=show("2"))


def test_jobs_chart_120x40(snap_compare: Any) -> None:
    assert snap_compare(frozen_app(), terminal_size=(120, 40), run_before=show("3"))
