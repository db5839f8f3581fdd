"""The editor's keys redraw in one pass: no layout of the screen, panes current together.

A layout pass per key (the record pane's height, the findings' virtual size, a modal for
go-to) cost one to three more frames a key; these tests hold the keys to a repaint.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from textual import events
from textual.screen import Screen

from tests.conftest import SAMPLES
from tests.ui.dataset_support import ready
from tuiftune.dataset.session import FilterKind
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.findings_panel import FindingsPanel
from tuiftune.ui.dataset.record_detail import RecordDetail
from tuiftune.ui.dataset.record_list import RecordList
from tuiftune.ui.dataset.render import record_text
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.dataset.status import StatusLine

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"


def line_of_cursor(screen: DatasetScreen) -> int:
    records = screen.query_one(RecordList)
    return records.pos_of_row(records.cursor) + 1


def assert_panes_show_the_cursor(screen: DatasetScreen) -> None:
    session = screen.session
    assert session is not None
    pos = line_of_cursor(screen) - 1
    shown = screen.query_one(RecordDetail).text.plain
    assert shown == record_text(session.doc.raw_at(pos), pos + 1).plain
    assert screen.query_one(FindingsPanel).items == session.findings(pos)
    assert f"row {pos + 1}/" in status(screen)


def status(screen: DatasetScreen) -> str:
    return str(screen.query_one(StatusLine).render())


async def test_cursor_keys_and_jumps_need_no_layout_pass(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.pause(0.2)
        layouts: list[int] = []

        def counted(_: Screen[object]) -> None:
            layouts.append(line_of_cursor(screen))

        screen.screen_layout_refresh_signal.subscribe(screen, counted)
        for keys in (["down"], ["down"], ["up"], ["pagedown"], ["end"], ["home"], ["n"], ["N"]):
            await pilot.press(*keys)
            await pilot.pause()
            assert_panes_show_the_cursor(screen)
        await pilot.press("g", "1", "3", "enter")
        await pilot.pause()
        assert line_of_cursor(screen) == 13
        assert_panes_show_the_cursor(screen)
        assert layouts == []  # each key was a repaint of what changed, nothing laid out again


async def test_go_to_prompt_in_the_status_line(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("down", "down")
        await pilot.press("g", "4", "7", "backspace")
        await pilot.pause()
        assert "go to line: 4" in status(screen) and "(1-60)" in status(screen)
        await pilot.press("q", "e")  # letters are refused in the prompt: no quit, no edit
        await pilot.pause()
        assert pilot.app.screen is screen and not pilot.app._exit
        assert "go to line: 4" in status(screen)
        await pilot.press("escape")
        await pilot.pause()
        assert line_of_cursor(screen) == 3 and "row 3/60" in status(screen)
        await pilot.press("g", "9", "9", "9", "9", "enter")  # past the end: the last line
        await pilot.pause()
        assert line_of_cursor(screen) == 60
        await pilot.press("g", "enter")  # nothing typed: stays
        await pilot.pause()
        assert line_of_cursor(screen) == 60 and "go to" not in status(screen)
        await pilot.press("g", "5", "home")  # another key closes the prompt and does its work
        await pilot.pause()
        assert line_of_cursor(screen) == 1 and "go to" not in status(screen)


async def test_long_record_wraps_scrolls_and_resets(tmp_path: Path) -> None:
    long_answer = " ".join(f"word{i}" for i in range(400))
    rows = [
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": a}]}
        for a in (long_answer, "short")
    ]
    path = tmp_path / "long.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        detail = screen.query_one(RecordDetail)
        width = detail.scrollable_content_region.width
        assert detail.virtual_size.height > detail.scrollable_content_region.height
        # Every word is shown, no line is wider than the pane.
        lines = [strip.text for strip in (detail.render_line(y) for y in range(3))]
        assert all(len(line) == width for line in lines)
        assert lines[0].startswith("user: q")
        detail.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert detail.scroll_offset.y > 0
        bottom = detail.render_line(detail.scrollable_content_region.height - 1).text
        assert "word399" in bottom
        await pilot.press("down")
        await pilot.pause()
        assert detail.scroll_offset.y == 0 and detail.virtual_size.height == 2
        assert detail.render_line(1).text.startswith("assistant: short")


async def test_go_to_typed_at_once_keeps_every_digit(tmp_path: Path) -> None:
    """Keys that arrive together (a paste, tmux, a fast typist) are taken in order."""
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        for key, char in (("g", "g"), ("4", "4"), ("2", "2"), ("enter", "\r")):
            pilot.app.post_message(events.Key(key, char))  # no wait between them
        await pilot.pause(0.2)
        assert line_of_cursor(screen) == 42 and "go to" not in status(screen)


async def test_keys_typed_ahead_of_a_dialog_go_into_it(tmp_path: Path) -> None:
    """'/vacuum' sent at once searches for 'vacuum': 'v' does not open the filter, 'a' adds
    no record; the keys after the dialog closes work on the screen again."""
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        for char in "/vacuum\r":
            key = {"/": "slash", "\r": "enter"}.get(char, char)
            pilot.app.post_message(events.Key(key, char))  # no wait between them
        for _ in range(200):
            await pilot.pause(0.02)
            if session.filter is FilterKind.SEARCH:
                break
        assert session.filter is FilterKind.SEARCH and session.filter_arg == "vacuum"
        assert len(session.doc) == 60 and pilot.app.screen is screen  # nothing added
        await pilot.press("n")
        await pilot.pause()
        assert pilot.app.screen is screen


async def test_tab_still_moves_between_the_panes(tmp_path: Path) -> None:
    """The screen's tab binding names the app's focus_next: Textual's chain runs it."""
    path = tmp_path / "f.jsonl"
    shutil.copyfile(FLAWED, path)
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        seen = [type(pilot.app.focused).__name__]
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause()
            seen.append(type(pilot.app.focused).__name__)
        assert seen == ["RecordList", "FindingsPanel", "RecordDetail", "RecordList"], seen
        await pilot.press("tab", "tab", "pagedown")  # the record pane scrolls, the list stays
        await pilot.pause()
        assert line_of_cursor(screen) == 1


async def test_findings_panel_is_rebuilt_only_when_the_findings_change(tmp_path: Path) -> None:
    def chat(answer: str, **extra: str) -> str:
        msgs = [
            {"role": "user", "content": f"q {answer}"},
            {"role": "assistant", "content": answer},
        ]
        return json.dumps({**extra, "messages": msgs})

    rows = [chat("a"), chat("b"), chat("c", system="s1"), chat("d", system="s2"), chat("e", x="1")]
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    async with TuiftuneApp(Services("SANDBOX"), path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        panel = screen.query_one(FindingsPanel)
        rebuilt: list[int] = []
        clear = panel.clear_options

        def counted() -> FindingsPanel:
            rebuilt.append(line_of_cursor(screen))
            return clear()

        panel.clear_options = counted  # type: ignore[method-assign]
        shown: list[list[str]] = []
        for _ in range(4):
            await pilot.press("down")
            await pilot.pause()
            assert_panes_show_the_cursor(screen)
            shown.append(
                [str(panel.get_option_at_index(i).prompt) for i in range(panel.option_count)]
            )
        # Line 2 has no problems as line 1; lines 3 and 4 the same fixable one; line 5 another.
        assert rebuilt == [3, 5]
        assert shown[0] == ["no problems"] and shown[1] == shown[2] != shown[3]
        assert "chat.key.system" in shown[2][0] and "chat.key.unknown" in shown[3][0]
        await pilot.press("up")
        await pilot.pause()
        assert rebuilt == [3, 5, 4] and panel.highlighted == 0  # its first fixable finding
