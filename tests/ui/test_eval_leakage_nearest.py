"""The Eval area before a run names test rows also in the editor's training file (both files
and lines), and N shows the training rows nearest the highlighted example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.conftest import SAMPLES
from tests.ui.sandbox_support import Sandbox, make_sandbox, until
from tuiftune.ui.eval.screen import EvalScreen
from tuiftune.ui.nearest.panel import NearestPanel
from tuiftune.ui.nearest.screen import NearestScreen
from tuiftune.ui.screens.modals import AskScreen

TEST_SET = SAMPLES / "ticket-triage-test.jsonl"
TITLE = "Test rows in the training file"


@pytest.fixture
async def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.chdir(tmp_path)
    return await make_sandbox(tmp_path)


def planted(tmp_path: Path) -> Path:
    """The ticket-triage training rows plus test line 3 verbatim (training line 81)."""
    rows = (SAMPLES / "ticket-triage-chat.jsonl").read_text("utf-8").splitlines()
    test_rows = TEST_SET.read_text("utf-8").splitlines()
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join([*rows, test_rows[2]]) + "\n", "utf-8")
    return train


async def test_a_run_names_test_rows_in_the_training_file(sandbox: Sandbox, tmp_path: Path) -> None:
    train = planted(tmp_path)
    async with sandbox.app(train).run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        screen = pilot.app.screen
        assert isinstance(screen, EvalScreen)
        await until(pilot, lambda: len(screen.models) == 2, "the default models")
        await screen.open_test_set(TEST_SET)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the results path")
        await pilot.press("enter")
        await until(
            pilot, lambda: any(n.title == TITLE for n in pilot.app._notifications), "the warning"
        )
        (note,) = [n for n in pilot.app._notifications if n.title == TITLE]
        assert note.message.splitlines() == [
            f"1 of 30 rows of {TEST_SET} are in {train} (1 exact)",
            f"  {TEST_SET} line 3 ~ {train} line 81: the same text",
        ]
        assert not note.markup
        # the run still goes ahead
        await until(pilot, lambda: not screen.running and screen.summary is not None, "the run")


async def test_no_warning_when_the_files_are_disjoint(sandbox: Sandbox) -> None:
    train = SAMPLES / "ticket-triage-chat.jsonl"
    async with sandbox.app(train).run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        screen = pilot.app.screen
        assert isinstance(screen, EvalScreen)
        await until(pilot, lambda: len(screen.models) == 2, "the default models")
        await screen.open_test_set(TEST_SET)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the results path")
        await pilot.press("enter")
        await until(pilot, lambda: not screen.running and screen.summary is not None, "the run")
        assert not [n for n in pilot.app._notifications if n.title == TITLE]


async def test_n_shows_the_nearest_training_rows_of_the_highlighted_example(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    train = planted(tmp_path)
    async with sandbox.app(train).run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        screen = pilot.app.screen
        assert isinstance(screen, EvalScreen)
        await screen.open_test_set(TEST_SET)
        table = screen.query_one(DataTable)
        table.focus()
        await pilot.press("down", "down")  # the third example: test line 3
        assert screen.table.highlighted_row() is not None
        await pilot.press("N")
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the file dialog")
        value = pilot.app.screen.query_one("#ask-input").value  # type: ignore[attr-defined]
        assert value == str(train)  # the editor's file is offered
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, NearestScreen), "the rows")
        panel = pilot.app.screen.query_one(NearestPanel)
        await until(pilot, lambda: bool(panel.neighbours), "the neighbours")
        assert panel.neighbours[0].row.line == 81  # its verbatim copy first
        highlighted = screen.table.highlighted_row()
        assert highlighted is not None and highlighted.example.line == 3
        test_row = json.loads(TEST_SET.read_text("utf-8").splitlines()[2])
        assert test_row["messages"][1]["content"] in panel.neighbours[0].row.prompt
