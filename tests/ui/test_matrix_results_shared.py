"""One results file for a job's checkpoint matrix, whichever side starts it: a run made with
``tuiftune eval TEST --job ID`` (from another directory) is resumed by the Jobs area's ``M``
without asking anything twice; a test folder that cannot take the file sends it to the current
directory, and the output says which."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.commands.conftest import build_parser
from tests.conftest import SAMPLES
from tests.ui.sandbox_support import Sandbox, make_sandbox, until
from tuiftune.service.checkpoint_eval import matrix_results_place
from tuiftune.service.services import Services
from tuiftune.ui.charts.matrix_screen import MatrixScreen
from tuiftune.ui.jobs.screen import JobsScreen


def _job_id(sandbox: Sandbox) -> str:
    async def first() -> str:
        async with sandbox.client() as client:
            page = await client.fine_tuning.jobs.list()
            return page.data[0].id

    return asyncio.run(first())


def _cli(sandbox: Sandbox, *argv: str) -> int:
    services = Services(
        "SANDBOX", jobs_client_factory=sandbox.client, inference_client_factory=sandbox.client
    )
    args = build_parser().parse_args(["eval", *argv])
    code: int = args.func(args, services)
    return code


async def _resume_in_jobs_area(sandbox: Sandbox, test: Path) -> MatrixScreen:
    app = sandbox.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await until(pilot, lambda: jobs.selected is not None, "a selected job")
        await pilot.press("M")
        await until(pilot, lambda: bool(app.screen.query(Input)), "the test-file question")
        app.screen.query_one(Input).value = str(test)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MatrixScreen), "the matrix screen")
        matrix = app.screen
        assert isinstance(matrix, MatrixScreen)
        await until(pilot, lambda: matrix.result is not None, "the scored matrix")
        return matrix


def test_a_cli_run_is_resumed_by_the_jobs_area(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = asyncio.run(make_sandbox(tmp_path))
    job_id = _job_id(sandbox)
    (tmp_path / "tests").mkdir()
    test = tmp_path / "tests" / "test.jsonl"
    shutil.copy(SAMPLES / "ticket-triage-test.jsonl", test)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert _cli(sandbox, str(test), "--job", job_id, "--metrics", "em,f1") == 0
    out = capsys.readouterr().out
    results = tmp_path / "tests" / f"test.{job_id}.results.jsonl"
    assert f"results in {results} (next to the test file)" in " ".join(out.split())
    assert results.is_file() and not list(elsewhere.iterdir())
    answered = len(results.read_text(encoding="utf-8").splitlines())

    matrix = asyncio.run(_resume_in_jobs_area(sandbox, test))
    assert matrix.out == results and matrix.result is not None
    run = matrix.result.run
    assert run.complete and run.new == 0 and run.resumed == answered
    assert len(results.read_text(encoding="utf-8").splitlines()) == answered


def test_a_test_folder_that_cannot_take_the_file_sends_it_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = asyncio.run(make_sandbox(tmp_path))
    job_id = _job_id(sandbox)
    test = tmp_path / "test.jsonl"
    shutil.copy(SAMPLES / "ticket-triage-test.jsonl", test)
    # The place next to the test is taken by a folder: it cannot be written (even as root).
    (tmp_path / f"test.{job_id}.results.jsonl").mkdir()
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    place = asyncio.run(matrix_results_place(test, job_id))
    assert place.path == here / f"test.{job_id}.results.jsonl" and not place.beside_test
    assert _cli(sandbox, str(test), "--job", job_id, "--metrics", "em", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["run"]["results_file"] == str(place.path)
    assert doc["run"]["results_beside_test"] is False
    assert _cli(sandbox, str(test), "--job", job_id, "--metrics", "em", "--resume") == 0
    line = " ".join(capsys.readouterr().out.split())
    assert f"results in {place.path} (current directory: cannot write" in line
