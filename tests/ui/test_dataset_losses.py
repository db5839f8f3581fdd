"""The editor's training losses (palette: "Load training losses from job..."): a loss column in
the record list, sorted by loss (l: file order), the rows whose loss stayed high marked, the
conflicting-label finding linked (j: the rows it conflicts with); the file keeps its order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.server.helpers import chat_rows, jsonl
from tests.ui.losses_fake import results_provider
from tests.ui.sandbox_support import until
from tuiftune.dataset.session import FilterKind
from tuiftune.dataset.worker import in_lint_thread as in_thread
from tuiftune.service.services import Services
from tuiftune.service.types import Job
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.dataset.loop_commands import loop_commands
from tuiftune.ui.dataset.record_list import RecordList
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.dataset.status import StatusLine
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


def app_for(path: Path, *, with_losses: bool = True, trained: bytes | None = None) -> TuiftuneApp:
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
        training_file="file-train",
    )
    files = {
        "file-metrics": ("metrics.csv", b"step\n"),
        "file-losses": ("example_losses.jsonl", data),
        "file-train": ("train.jsonl", trained if trained is not None else path.read_bytes()),
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


def shown_lines(records: RecordList) -> list[int]:
    """The file line at each row of the list, top to bottom."""
    return [records.pos_of_row(r) + 1 for r in range(records.count())]


def row_text(records: RecordList, row: int) -> str:
    return records.render_line(row - records.scroll_offset.y).text


async def load_losses(app: TuiftuneApp, pilot: Any) -> tuple[DatasetScreen, RecordList]:
    await app.workers.wait_for_complete()
    screen = await open_losses(app)
    await until(pilot, lambda: isinstance(app.screen, PickScreen), "the job picker")
    await pilot.press("enter")
    records = screen.query_one(RecordList)
    await until(pilot, lambda: records.sorted_by_loss, "the losses")
    await pilot.pause()
    return screen, records


async def test_loss_column_sorted_high_row_marked_and_conflict_linked(tmp_path: Path) -> None:
    path = training_file(tmp_path)
    before = path.read_bytes()
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, records = await load_losses(app, pilot)
        # highest loss first: line 13 (the conflicting twin), then line 2 (its original)
        assert shown_lines(records)[:3] == [13, 2, 9]
        assert records.cursor == 0 and screen._pos == 12
        assert "3.500!" in row_text(records, 0)
        assert "0.170 " in row_text(records, 1) and "!" not in row_text(records, 1)[-12:]
        assert "1 high" in str(records.border_title) and "sorted by loss" in str(
            records.border_title
        )
        # the high row names the row its label conflicts with; its text is data
        assert "stayed high" in str(records.border_subtitle)
        assert "conflicts with line 2" in str(records.border_subtitle)
        assert HOSTILE not in row_text(records, 0)
        notes = [n.message for n in app._notifications]
        assert any("13 at their line, 0 found by content" in n for n in notes)
        # j: to line 2 (the conflicting row), j again: back to line 13
        await pilot.press("j")
        assert screen._pos == 1 and records.cursor == 1
        assert "conflicts with line 13" in str(records.border_subtitle)
        await pilot.press("j")
        assert screen._pos == 12 and records.cursor == 0
        # g goes to a line in the sorted list: the row that shows it
        records.focus()
        await pilot.press("down", "down")
        assert screen._pos == 8  # line 9, the third highest loss
        # the status line counts rows as the sorted list shows them, not the file's
        assert "row 3/13" in str(screen.query_one(StatusLine).render())
        # sorting never reorders the file: a save while sorted writes the same bytes
        assert screen.session is not None
        copy = await screen.session.save(tmp_path / "copy.jsonl")
        assert copy.read_bytes() == before
        # l: back to file order, the cursor on the same record
        await pilot.press("l")
        assert shown_lines(records) == list(range(1, 14))
        assert records.cursor == 8 and screen._pos == 8
        assert "row 9/13" in str(screen.query_one(StatusLine).render())
        assert "l: sort by loss" in str(records.border_title)
        await pilot.press("l")
        assert shown_lines(records)[0] == 13


async def test_an_edited_row_keeps_its_place_and_loses_its_loss(tmp_path: Path) -> None:
    app = app_for(training_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen, records = await load_losses(app, pilot)
        session = screen.session
        assert session is not None
        # line 2 sits second; an edit gives it a new record id: still second, no loss now
        value = json.loads(session.doc.raw_at(1))
        value["messages"][-1]["content"] = "The code word is edited."
        session.set_value(1, value)
        await pilot.pause()
        assert shown_lines(records)[:2] == [13, 2]
        assert row_text(records, 1).rstrip().endswith(tuple("0123456789"))
        assert "." not in row_text(records, 1)[-16:-8]  # the loss cells are blank
        records.cursor = 1
        await pilot.pause()
        assert "no loss" in str(records.border_subtitle)
        # a search while sorted: only the matching rows, still in loss order
        await in_thread(session.set_filter, FilterKind.SEARCH, "code word is")
        records.reload()
        assert shown_lines(records)[0] == 13 and len(shown_lines(records)) == 13


async def test_rows_matched_by_content_after_the_file_changed(tmp_path: Path) -> None:
    """The open file has lines 1 and 2 swapped and line 5 edited since the job trained."""
    path = training_file(tmp_path)
    trained = path.read_bytes()
    lines = trained.splitlines(keepends=True)
    lines[0], lines[1] = lines[1], lines[0]
    lines[4] = lines[4].replace(b"code word", b"secret word")
    path.write_bytes(b"".join(lines))
    app = app_for(path, trained=trained)
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, records = await load_losses(app, pilot)
        losses = records.losses
        assert losses is not None
        doc = records.session.doc
        assert losses.loss_of(doc.id_at(0)) == LOSSES[1]  # trained line 2, now line 1
        assert losses.loss_of(doc.id_at(1)) == LOSSES[0]
        assert losses.loss_of(doc.id_at(4)) is None  # edited since: its loss is not its own
        assert (losses.matched.by_line, losses.matched.by_content) == (10, 2)
        assert losses.matched.missing == 1
        notes = [n.message for n in app._notifications]
        assert any("1 no longer in the file" in n for n in notes)


async def test_l_without_losses_says_how_to_load_them(tmp_path: Path) -> None:
    app = app_for(training_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("l")
        await until(
            pilot,
            lambda: any("Load training losses" in n.message for n in app._notifications),
            "the hint",
        )
        records = app.screen.query_one(RecordList)
        assert not records.sorted_by_loss and records.losses is None


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
        assert app.screen.query_one(RecordList).losses is None


def test_loss_column_80x24(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await load_losses(pilot.app, pilot)
        await pilot.press("j")  # on line 2, which conflicts with line 13
        pilot.app.clear_notifications()
        await pilot.pause()

    path = training_file(tmp_path)
    assert snap_compare(app_for(path), terminal_size=(80, 24), run_before=run_before)
