"""The editor at 80x24: footer keys, status line, mouse, and a tooltip on every key."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Footer, Label
from textual.widgets._footer import FooterKey

from tests.conftest import SAMPLES
from tests.ui.dataset_support import ready
from tuiftune.cli import main
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.edit_record import EditRecordScreen
from tuiftune.ui.dataset.edit_structured import StructuredEditScreen
from tuiftune.ui.dataset.findings_panel import FindingsPanel
from tuiftune.ui.dataset.record_detail import RecordDetail
from tuiftune.ui.dataset.record_list import RecordList, fit_preview
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.dataset.status import StatusLine, count_totals
from tuiftune.ui.messages import DatasetFileChanged, OpenRecord
from tuiftune.ui.screens.modals import ConfirmScreen

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"


def footer_text(pilot: Pilot[None]) -> str:
    """The footer's keys that are fully on screen, as ``key description`` pairs."""
    width = pilot.app.size.width
    keys = [k for k in pilot.app.screen.query_one(Footer).query(FooterKey) if k.region.width]
    assert all(k.region.right <= width for k in keys)
    return " ".join(f"{k.key_display} {k.description}" for k in keys)


async def test_footer_shows_the_main_keys_every_area_and_quit(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        text = footer_text(pilot)
        for needle in ("e Edit", "n Next", "^s Save", "^q Quit", "f1 Help", "f5 Eval"):
            assert needle in text, text


async def test_status_line_has_position_and_totals_that_match_lint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert screen.session is not None
        await pilot.press("g", "1", "3", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        status = screen.query_one(StatusLine)
        shown = str(status.render())
        assert "row 13/60" in shown
        totals = count_totals(screen.session)
        assert f"✖ {totals.errors} ▲ {totals.warnings}" in shown
        formats = screen.session.linter.format_counts()
        assert sum(formats.values()) == 60
        for fmt, n in formats.items():
            assert f"{fmt.value} {n}" in shown
    await asyncio.to_thread(main, ["lint", str(path)])
    out = capsys.readouterr().out
    assert f"{totals.errors} errors, {totals.warnings} warnings" in out


async def test_click_selects_a_row_and_double_click_edits(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        records = screen.query_one(RecordList)
        # The list has a one-cell border: content row 4 is the fifth record.
        await pilot.click(RecordList, offset=(10, 5))
        await pilot.pause()
        assert records.cursor == 4
        assert screen._pos == 4
        await pilot.click(RecordList, offset=(10, 3), times=2)
        await pilot.pause()
        assert records.cursor == 2
        assert isinstance(pilot.app.screen, StructuredEditScreen | EditRecordScreen)


def test_every_dataset_binding_has_an_id_and_a_tooltip() -> None:
    classes: list[type[DOMNode]] = [
        DatasetScreen,
        RecordList,
        StructuredEditScreen,
        EditRecordScreen,
    ]
    for cls in classes:
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.id, f"{cls.__name__} {binding.key}"
            assert binding.tooltip, f"{cls.__name__} {binding.key} has no tooltip"


async def test_open_record_from_another_area_goes_to_the_line(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    other = tmp_path / "other.jsonl"
    shutil.copyfile(FLAWED, other)
    posted: list[Message] = []
    app = TuiftuneApp(Services("SANDBOX"), path)
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        screen = await ready(pilot)
        screen.post_message(OpenRecord(path, 13))  # as Jobs or Eval would
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen._pos == 12
        screen.post_message(OpenRecord(other, 7))  # another file: opened, then the line
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.path == other and screen._pos == 6
        changed = [m for m in posted if isinstance(m, DatasetFileChanged)]
        assert [m.path for m in changed][-1] == other


async def test_a_long_confirm_question_wraps_at_80_columns(tmp_path: Path) -> None:
    long_dir = tmp_path / ("d" * 60) / ("e" * 40)
    long_dir.mkdir(parents=True)
    path = long_dir / "file_with_a_rather_long_name.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("delete", "ctrl+q")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmScreen)
        detail = next(lab for lab in dialog.query(Label) if "unsaved edits" in str(lab.render()))
        assert detail.region.height >= 2  # wrapped, not cut at the dialog's edge
        assert detail.region.right <= 80
        await pilot.press("n")
        assert screen.session is not None


def test_a_short_answer_stays_in_view_when_the_preview_is_cut() -> None:
    prompt = "Ticket: " + "the same long opening words of every ticket " * 3
    shown = fit_preview(f"{prompt} → billing", 50)
    assert shown.rstrip().endswith("… → billing") and len(shown) == 50
    long_answer = fit_preview(f"q → {'a long answer ' * 10}", 50)
    assert long_answer.startswith("q → a long") and len(long_answer) == 50
    assert fit_preview("short → x", 20) == "short → x".ljust(20)


async def test_widgets_post_messages_the_screen_acts_on(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    posted: list[Message] = []
    app = TuiftuneApp(Services("SANDBOX"), path)
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        screen = await ready(pilot)
        assert screen.session is not None
        screen._go_to_pos(2)  # line 3: a missing separator, with a fix
        await pilot.pause()
        panel = screen.query_one(FindingsPanel)
        panel.focus()
        await pilot.press("enter")  # enter on the highlighted, fixable finding
        await pilot.pause()
        # The hook sees a bubbling message at each node it passes: count each one once.
        (chosen,) = {id(m): m for m in posted if isinstance(m, FindingsPanel.FixChosen)}.values()
        assert chosen.finding.rule == "legacy.separator.missing"
        assert chosen.finding.rule not in {f.rule for f in screen.session.findings(2)}
        await pilot.click(RecordList, offset=(10, 2), times=2)
        await pilot.pause()
        (activated,) = {id(m): m for m in posted if isinstance(m, RecordList.Activated)}.values()
        assert activated.pos == 1
        await pilot.press("escape")
        await pilot.pause()
        screen.query_one(RecordList).focus()
        await pilot.press("s")  # the detail pane owns the stats toggle
        await pilot.pause()
        assert screen.query_one(RecordDetail).show_stats


async def test_q_quits_and_ctrl_c_says_how(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    app = TuiftuneApp(Services("SANDBOX"), path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert any("ctrl+q" in n.message for n in app._notifications)
        await pilot.press("q")
        await pilot.app.workers.wait_for_complete()
        assert app._exit  # quitting (nothing unsaved, so nothing asked)


async def test_statistics_are_built_once_per_change_not_per_cursor_move(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("s")
        await pilot.pause()
        detail = screen.query_one(RecordDetail)
        built = detail._stats
        assert built is not None and "Formats" in built.plain
        await pilot.press("down", "down")
        await pilot.pause()
        assert detail._stats is built  # a cursor move reuses them (O(records) to build)
        await pilot.press("delete")
        await pilot.pause()
        assert detail._stats is not built and detail._stats is not None
        assert "legacy 57," in detail._stats.plain  # 58 before the delete
