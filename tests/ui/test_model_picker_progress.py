"""The editor's re-count with a new model (M) reports its progress without waiting for the UI:
the lint thread posts messages, so a busy event loop never holds it up."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.conftest import SAMPLES
from tuiftune.dataset.linter import LintCancelled, Linter, LintProgress
from tuiftune.dataset.model_choice import known_models
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.dataset.status import StatusLine

CHAT = SAMPLES / "ticket-triage-chat.jsonl"


async def until(pilot: Pilot[None], test: Callable[[], bool], seconds: float = 20.0) -> None:
    async with asyncio.timeout(seconds):
        while not test():
            await pilot.pause(0.02)


async def test_the_recount_finishes_while_the_ui_is_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    app = TuiftuneApp(Services(backend_label="test"), CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, DatasetScreen)
        await until(pilot, lambda: screen.session is not None and screen.session.linter.ready)
        session = screen.session
        assert session is not None
        other = next(m.name for m in known_models() if m.name != session.linter.model.name)
        started, go, finished = threading.Event(), threading.Event(), threading.Event()
        original = Linter.run

        def run(
            self: Linter,
            progress: LintProgress | None = None,
            cancel: threading.Event | None = None,
        ) -> None:
            started.set()
            if not go.wait(20):
                raise LintCancelled
            try:
                original(self, progress, cancel)
            finally:
                finished.set()

        monkeypatch.setattr(Linter, "run", run)
        screen.use_model(other)
        await until(pilot, started.is_set)
        go.set()
        # The event loop is held here, as by a long frame: the lint thread reports its
        # progress (a message) and goes on; it used to wait for the UI at every report.
        assert finished.wait(20), "the lint thread waited for the UI"
        await until(pilot, lambda: session.linter.model.name == other and session.linter.ready)
        line = screen.query_one(StatusLine)
        await until(pilot, lambda: f"model {other}" in str(line.render()))
        await app.workers.wait_for_complete()
        await pilot.pause()
        # A report handled after the re-count ended does not bring its progress back.
        assert "lint" not in str(line.render()), str(line.render())
