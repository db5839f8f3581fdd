"""The editor's training losses (palette: "Load training losses from job..."): each row's loss
under the job's final model, sortable, the rows whose loss stayed high marked, the
conflicting-label finding linked to the row it conflicts with."""

from __future__ import annotations

import json
from pathlib import Path

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from tests.server.helpers import chat_rows, jsonl
from tests.ui.losses_fake import results_provider
from tests.ui.sandbox_support import until
from tuiftune.service.services import Services
from tuiftune.service.types import Job
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.dataset.loop_commands import loop_commands
from tuiftune.ui.dataset.losses import LossesScreen
from tuiftune.ui.dataset.record_list import RecordList
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.screens.modals import PickScreen

HOSTILE = "[bold]x[/] \x1b[31m"


def training_file(tmp_path: Path) -> Path:
    """12 rows, then line 13: line 2's prompt with another answer (a conflicting label)."""
    rows = chat_rows(12)
    clash = json.loads(json.dumps(rows[1]))
    clash["messages"][-1]["content"] = f"The code word is {HOSTILE}."
    path = tmp_path / "train.jsonl"
    path.write_bytes(jsonl([*rows, clash]))
    return path


LOSSES = [0.11, 0.17, 0.12, 0.14, 0.13, 0.1, 0.15, 0.12, 0.16, 0.11, 0.13, 0.14, 3.5]


def app_for(path: Path, *, with_losses: bool = True) -> TuiftuneApp:
    data = "".join(
        json.dumps({"line": i + 1, "loss": loss, "tokens": 20 + i}) + "\n"
        for i, loss in enumerate(LOSSES)
    ).encode()
    results = ["file-metrics", "file-losses"] if with_losses else ["file-metrics"]
    job = Job(
        "ftjob-local1",
        "succeeded",
        "smollm2-135m",
        100,
        fine_tuned_model="ft:smollm2-135m:local::abc",
        result_files=results,
    )
    files = {
        "file-metrics": ("metrics.csv", b"step\n"),
        "file-losses": ("example_losses.jsonl", data),
    }
    return TuiftuneApp(
        Services("LOCAL", provider_factory=lambda: results_provider([job], files)), path
    )


async def open_losses(app: TuiftuneApp) -> DatasetScreen:
    screen = app.screen
    assert isinstance(screen, DatasetScreen)
    (losses, _again) = loop_commands(screen, app.services)
    losses.callback()
    return screen


def column(table: DataTable[Text], key: str) -> list[str]:
    at = table.get_column_index(key)
    return [str(table.get_cell_at(Coordinate(r, at))) for r in range(table.row_count)]


async def test_losses_sort_mark_the_high_row_and_link_its_conflict(tmp_path: Path) -> None:
    path = training_file(tmp_path)
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        screen = await open_losses(app)
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the job picker")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LossesScreen), "the losses")
        view = app.screen
        assert isinstance(view, LossesScreen)
        table = view.query_one(DataTable)
        # highest loss first: line 13 (the conflicting twin), then line 2 (its original)
        assert column(table, "line")[:2] == ["13", "2"]
        assert column(table, "loss")[:2] == ["3.5000", "0.1700"]
        assert column(table, "flag")[:2] == ["high conflict", "conflict"]
        assert sum("high" in f for f in column(table, "flag")) == 1
        assert HOSTILE not in column(table, "record")[0]  # escaped, as data
        # s: by line, then tokens, then loss again
        await pilot.press("s")
        assert column(table, "line") == [str(n) for n in range(1, 14)]
        await pilot.press("s", "s")
        assert column(table, "line")[0] == "13"
        # c opens the row line 13 conflicts with (line 2) in the editor
        await pilot.press("c")
        await until(pilot, lambda: app.screen is screen, "the editor")
        await until(pilot, lambda: screen.query_one(RecordList).cursor == 1, "line 2")


async def test_a_job_without_losses_is_one_line(tmp_path: Path) -> None:
    app = app_for(training_file(tmp_path), with_losses=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await open_losses(app)
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the job picker")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: any("no per-example losses" in n.message for n in app._notifications),
            "the line",
        )
        assert isinstance(app.screen, DatasetScreen)
