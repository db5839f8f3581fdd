"""What the screens look like, at 80x24 (SSH) and 120x40, with data that never changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.conftest import SAMPLES
from tuiftune.ui.app import Services, TuiftuneApp

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"
CHAT = SAMPLES / "support-chat.jsonl"


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def app(path: Path | None) -> TuiftuneApp:
    return TuiftuneApp(Services("SANDBOX"), path)


def test_dataset_flawed_80x24(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("n")

    assert snap_compare(app(FLAWED), terminal_size=(80, 24), run_before=run_before)


def test_dataset_chat_120x40(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("down", "down")

    assert snap_compare(app(CHAT), terminal_size=(120, 40), run_before=run_before)


def test_dataset_stats_80x24(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("s")

    assert snap_compare(app(FLAWED), terminal_size=(80, 24), run_before=run_before)


def test_no_file_80x24(snap_compare: Any) -> None:
    assert snap_compare(app(None), terminal_size=(80, 24), run_before=settle)
