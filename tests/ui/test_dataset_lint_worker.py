"""Pilot tests: the editor started with a lint worker (as ``tuiftune FILE`` starts it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dataset.test_incremental import snapshot
from tests.dataset.test_lint_worker import big_file, reaped
from tests.ui.dataset_support import ready
from tuiftune.dataset import Linter
from tuiftune.dataset.io import read_document
from tuiftune.dataset.lint_worker import LintWorker
from tuiftune.dataset.options import LintOptions
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.findings_panel import FindingsPanel


def worker_for(path: Path, options: LintOptions | None = None) -> LintWorker:
    worker = LintWorker.start(path, options)
    if worker is None:
        pytest.skip("the lint worker needs two cores")
    return worker


async def test_the_editor_shows_what_the_worker_linted(tmp_path: Path) -> None:
    path = big_file(tmp_path, 3000)
    worker = worker_for(path)
    pid = worker.pid
    app = TuiftuneApp(Services("SANDBOX"), path, worker=worker)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        assert screen.session is not None
        linter = screen.session.linter
        shown = app.screen.query_one(FindingsPanel).items
        assert "chat.assistant.missing" in {f.rule for f in shown}  # line 1 has no answer
        assert shown == screen.session.findings(0)
    assert pid is not None and reaped(pid)
    fresh = Linter(read_document(path))
    fresh.run()
    assert snapshot(linter) == snapshot(fresh)


async def test_a_worker_for_other_options_is_stopped_and_the_editor_lints(
    tmp_path: Path,
) -> None:
    path = big_file(tmp_path, 50)
    worker = worker_for(path, LintOptions(model="gpt-4.1-mini"))  # the editor: its default
    pid = worker.pid
    app = TuiftuneApp(Services("SANDBOX"), path, worker=worker)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        assert screen.session is not None and screen.session.linter.ready
        assert pid is not None and reaped(pid)


async def test_a_worker_for_a_file_that_fails_to_open_is_reaped(tmp_path: Path) -> None:
    path = big_file(tmp_path, 50)
    worker = worker_for(path)
    pid = worker.pid
    path.unlink()  # a folder where the file was: the editor cannot open it
    path.mkdir()
    app = TuiftuneApp(Services("SANDBOX"), path, worker=worker)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    assert pid is not None and reaped(pid)
