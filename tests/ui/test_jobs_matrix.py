"""From the Jobs area: M on the selected job asks for a test file and opens its checkpoint
matrix, scored in a worker; the results sit next to the test file."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Input

from tests.conftest import SAMPLES
from tests.ui.sandbox_support import make_sandbox, until
from tuiftune.ui.charts.matrix_screen import MatrixScreen
from tuiftune.ui.jobs.screen import JobsScreen


async def test_m_opens_the_matrix_of_the_selected_job(tmp_path: Path) -> None:
    sandbox = await make_sandbox(tmp_path)
    test = tmp_path / "test.jsonl"
    shutil.copy(SAMPLES / "ticket-triage-test.jsonl", test)
    app = sandbox.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await until(pilot, lambda: jobs.selected is not None, "a selected job")
        job_id = jobs.selected
        await pilot.press("M")
        await until(pilot, lambda: bool(app.screen.query(Input)), "the test-file question")
        app.screen.query_one(Input).value = str(test)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MatrixScreen), "the matrix screen")
        matrix = app.screen
        assert isinstance(matrix, MatrixScreen) and matrix.job_id == job_id
        await until(pilot, lambda: matrix.result is not None, "the scored matrix")
        assert matrix.result is not None
        kinds = [r.entry.kind for r in matrix.result.matrix.rows]
        assert kinds[0] == "base" and kinds[-1] == "final" and "checkpoint" in kinds
        assert matrix.result.matrix.best is not None
        assert matrix.out == tmp_path / f"test.{job_id}.results.jsonl" and matrix.out.is_file()
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is jobs, "back in the Jobs area")
