"""Playground and eval screens at 80x24 (SSH) and 120x40, with frozen data.

Model names come from counter ids, tokens per second from a stopped clock, blind mode from a
seeded shuffle, and no timing reaches the finished eval screen.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.conftest import SAMPLES
from tests.ui.sandbox_support import Sandbox, freeze_ids, make_sandbox
from tuiftune.ui.eval.screen import EvalScreen
from tuiftune.ui.playground import answer_pane
from tuiftune.ui.playground.screen import PlaygroundScreen
from tuiftune.ui.screens.modals import AskScreen

TICKET = "My parcel has been stuck in customs for two weeks, where is it?"


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.chdir(tmp_path)
    freeze_ids(monkeypatch)
    monkeypatch.setattr(answer_pane, "now", lambda: 0.0)
    return asyncio.run(make_sandbox(tmp_path))


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("timed out")


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    pilot.app.clear_notifications()
    await pilot.pause()


def playground(blind: bool) -> Callable[[Pilot[None]], Any]:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("f4")
        screen = pilot.app.screen
        assert isinstance(screen, PlaygroundScreen)
        await until(pilot, lambda: len(screen.panes()) == 2)
        screen.prompt_input().cursor_blink = False
        if blind:
            screen.rng = random.Random(3)
            await pilot.press("ctrl+b")
        screen.query_one("#pg-system").value = "Reply with the category only."  # type: ignore[attr-defined]
        screen.prompt_input().value = TICKET
        await pilot.press("enter")
        await until(pilot, lambda: not screen.running)
        await settle(pilot)

    return run_before


def evaluated(summary: bool) -> Callable[[Pilot[None]], Any]:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("f5")
        screen = pilot.app.screen
        assert isinstance(screen, EvalScreen)
        await until(pilot, lambda: len(screen.models) == 2)
        await screen.open_test_set(SAMPLES / "ticket-triage-test.jsonl")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen))
        await pilot.press("enter")
        await until(pilot, lambda: not screen.running and screen.summary is not None)
        await settle(pilot)
        await pilot.press("s" if summary else "f")
        await settle(pilot)

    return run_before


def test_playground_side_by_side_80x24(snap_compare: Any, sandbox: Sandbox) -> None:
    assert snap_compare(sandbox.app(), terminal_size=(80, 24), run_before=playground(False))


def test_playground_blind_120x40(snap_compare: Any, sandbox: Sandbox) -> None:
    assert snap_compare(sandbox.app(), terminal_size=(120, 40), run_before=playground(True))


def test_eval_failures_80x24(snap_compare: Any, sandbox: Sandbox) -> None:
    assert snap_compare(sandbox.app(), terminal_size=(80, 24), run_before=evaluated(False))


def test_eval_summary_120x40(snap_compare: Any, sandbox: Sandbox) -> None:
    assert snap_compare(sandbox.app(), terminal_size=(120, 40), run_before=evaluated(True))
