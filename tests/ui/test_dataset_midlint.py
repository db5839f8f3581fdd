"""Pilot test: the editor navigates by problem and takes edits while the first lint streams."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.dataset.test_incremental import snapshot
from tuiftune.dataset import Linter, load_bytes
from tuiftune.dataset.lint_worker import LintWorker
from tuiftune.dataset.session import EditorSession
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.screen import DatasetScreen


def record(i: int) -> str:
    # Every 7th record lacks its answer (an error): problems to navigate to.
    messages = [{"role": "user", "content": f"question {i}"}]
    if i % 7:
        messages.append({"role": "assistant", "content": f"answer {i}"})
    return json.dumps({"messages": messages})


async def until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("with_worker", [False, True])
async def test_next_problem_and_edits_while_the_file_still_lints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_worker: bool
) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(record(i) for i in range(400)) + "\n", encoding="utf-8")
    # Hold the lint thread after its first chunks until the test has edited (the harness
    # only pauses the real lint; it lints every record itself).
    gate = threading.Event()
    original = EditorSession.lint

    def held_lint(
        self: EditorSession, progress: Any = None, cancel: Any = None, worker: Any = None
    ) -> None:
        def paused(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            if done >= 40:
                gate.wait(20)

        original(self, paused, cancel, worker)

    monkeypatch.setattr(EditorSession, "lint", held_lint)
    # With a worker (as `tuiftune FILE` starts it) the records come from the forked child.
    worker = LintWorker.start(path, None) if with_worker else None
    app = TuiftuneApp(Services("SANDBOX"), path, worker=worker)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DatasetScreen)
        await until(lambda: screen.session is not None and screen.session._frontier >= 40)
        session = screen.session
        assert session is not None and not session.linter.ready
        await pilot.press("n")
        assert screen._pos == 7  # line 8, the first problem
        assert screen._shown == (session, 7)
        await pilot.press("n")
        assert screen._pos == 14
        await pilot.press("N", "N")  # wraps back among the records linted so far
        assert 0 <= screen._pos < session._frontier
        await pilot.press("n")
        await pilot.press("delete")  # an edit, taken mid-lint
        assert len(session.doc) == 399
        assert not session.linter.ready
        gate.set()
        await until(lambda: session.linter.ready)
        await pilot.pause()
    fresh = Linter(load_bytes(b"".join(session.doc.iter_bytes())))
    fresh.run()
    assert snapshot(session.linter) == snapshot(fresh)
