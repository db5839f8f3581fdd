"""An idle app stays idle: no timer ticks for progress bars without an ETA, or for a cursor
blinking on a screen that is not shown."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from textual.timer import Timer

from tests.conftest import SAMPLES
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.playground.screen import PlaygroundScreen

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"


async def test_dataset_area_idle_after_visiting_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks: Counter[str] = Counter()
    tick = Timer._tick

    async def counted(self: Timer, *, next_timer: float, count: int) -> None:
        ticks[type(self.target).__name__] += 1
        await tick(self, next_timer=next_timer, count=count)

    monkeypatch.setattr(Timer, "_tick", counted)
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    app = TuiftuneApp(Services("SANDBOX"), path)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        shown = []
        for key in ("f3", "f4", "f5", "f2"):
            await pilot.press(key)
            await pilot.pause(0.3)
            shown.append(app.screen)
        assert isinstance(app.screen, DatasetScreen)
        playground = shown[1]
        assert isinstance(playground, PlaygroundScreen)
        assert playground.focused is not None  # its prompt keeps the focus for the return
        await pilot.pause(0.2)
        ticks.clear()
        await asyncio.sleep(1.6)  # three blinks of a cursor, one ETA refresh per bar
        seen: dict[str, Any] = dict(ticks)
        assert not {"ProgressBar", "StillProgressBar", "Input"} & set(seen), seen
        await pilot.press("f4")
        await pilot.pause(1.2)
        assert ticks["Input"] >= 1  # back on the Playground, its prompt blinks again
