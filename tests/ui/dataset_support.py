"""Shared by the Dataset editor's UI tests."""

from __future__ import annotations

from textual.pilot import Pilot

from tuiftune.ui.dataset.screen import DatasetScreen


async def ready(pilot: Pilot[None]) -> DatasetScreen:
    """Wait until the file is loaded and linted (no sleeping on a guess)."""
    screen = pilot.app.screen
    assert isinstance(screen, DatasetScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert screen.session is not None and screen.session.linter.ready
    return screen
