"""The dataset editor against hostile files: nothing raw reaches the terminal, nothing sticks."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from tests.conftest import SAMPLES
from tests.hostile_files import BIDI, OSC0, OSC52, hostile_contents, write_hostile
from tests.ui.dataset_support import ready
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.edit_record import EditRecordScreen
from tuiftune.ui.dataset.edit_structured import FieldArea, MessageEditor, StructuredEditScreen
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.screens.modals import AskScreen, ConfirmScreen

LEGACY = SAMPLES / "ticket-triage-legacy.jsonl"
FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"
UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u200f")


def make_app(path: Path | None) -> TuiftuneApp:
    return TuiftuneApp(Services("SANDBOX"), path)


def current(pilot: Pilot[None]) -> object:
    """The active screen, typed loosely (so an isinstance assert does not narrow it for good)."""
    return pilot.app.screen


def assert_safe(pilot: Pilot[None], where: str) -> None:
    """Nothing on the screen (every widget, every toast) holds a raw control character."""
    shot = pilot.app.export_screenshot()
    for ch in UNSAFE:
        assert ch not in shot, f"{where}: raw {ch!r} on screen"


def hostile_chat(tmp_path: Path) -> Path:
    path = tmp_path / "escapes.jsonl"
    records = [
        {
            "messages": [
                {"role": "user", "content": "\x1b[2J" + OSC0 + "\r\nhi"},
                {"role": "assistant", "content": OSC52 + BIDI + " a\\x1b literal"},
            ],
            OSC52: 1,
        },
        *[
            {
                "messages": [
                    {"role": "user", "content": f"q{i}"},
                    {"role": "assistant", "content": "a"},
                ]
            }
            for i in range(10)
        ],
    ]
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records))
    return path


async def test_escapes_show_as_text_in_every_widget_and_round_trip(tmp_path: Path) -> None:
    path = hostile_chat(tmp_path)
    original = path.read_bytes()
    async with make_app(path).run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        assert_safe(pilot, "record list, findings, detail")
        await pilot.press("e")
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, StructuredEditScreen)
        assert_safe(pilot, "structured editor")
        areas = list(editor.query(FieldArea))
        assert areas[0].escaped and "\\x1b[2J" in areas[0].text
        assert "\\\\x1b literal" in areas[1].text  # a typed backslash stays a backslash
        areas[0].text = areas[0].text.replace("hi", "hello")  # edit one field
        await pilot.press("ctrl+s")
        await pilot.pause()
        record = json.loads(session.doc.raw_at(0))
        assert record["messages"][0]["content"] == "\x1b[2J" + OSC0 + "\r\nhello"
        assert record["messages"][1]["content"] == OSC52 + BIDI + " a\\x1b literal"
        await pilot.press("ctrl+z")
        await pilot.press("E")
        await pilot.pause()
        raw_editor = pilot.app.screen
        assert isinstance(raw_editor, EditRecordScreen)
        assert_safe(pilot, "raw JSON editor")
        await pilot.press("ctrl+s")  # unchanged text: the line keeps its bytes
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
    assert path.read_bytes() == original


async def test_escape_closes_the_raw_editor_and_add_can_be_left(tmp_path: Path) -> None:
    path = hostile_chat(tmp_path)
    async with make_app(path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert screen.session is not None
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(pilot.app.screen, EditRecordScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert current(pilot) is screen
        before = len(screen.session.doc)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, EditRecordScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert current(pilot) is screen and len(screen.session.doc) == before
        await pilot.press("E")
        await pilot.pause()
        pilot.app.screen.query_one(TextArea).insert("x")
        await pilot.press("escape")  # typed something: asks before dropping it
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert current(pilot) is screen and not screen.session.doc.dirty


async def test_markup_typed_into_search_is_only_text(tmp_path: Path) -> None:
    path = hostile_chat(tmp_path)
    async with make_app(path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", *"[/]", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert pilot.app.is_running and current(pilot) is screen
        assert any("[/]" in n.message for n in pilot.app._notifications)


@pytest.mark.parametrize(
    "name",
    [
        "big_int.jsonl",
        "lone_surrogate.jsonl",
        "nested_deep.jsonl",
        "utf16le.jsonl",
        "duplicate_keys.jsonl",
        "markup.jsonl",
        "bidi.jsonl",
        "nul_bytes.jsonl",
    ],
)
async def test_hostile_files_open_lint_and_stay_editable(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(hostile_contents()[name])
    async with make_app(path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)  # the lone surrogate used to stick at "linting 4%"
        assert screen.session is not None
        assert_safe(pilot, name)
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(pilot.app.screen, EditRecordScreen)
        assert_safe(pilot, f"{name} raw editor")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("delete")  # edits are not refused
        assert screen.session.doc.dirty


async def test_a_fifo_or_folder_is_refused_not_waited_on(tmp_path: Path) -> None:
    files = write_hostile(tmp_path / "h")
    for name in ("fifo.jsonl", "a_folder.jsonl"):
        async with make_app(files[name]).run_test(size=(80, 24)) as pilot:
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            screen = pilot.app.screen
            assert isinstance(screen, DatasetScreen) and screen.session is None
            messages = [n.message for n in pilot.app._notifications]
            assert any(name in m and ("FIFO" in m or "directory" in m) for m in messages)


async def test_large_records_open_without_freezing(tmp_path: Path) -> None:
    path = tmp_path / "large.jsonl"
    contents = hostile_contents()
    path.write_bytes(contents["many_messages.jsonl"] + contents["huge_field.jsonl"])
    async with make_app(path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        started = time.monotonic()
        await pilot.press("e")  # 969 messages: as JSON, not 969 message editors
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, EditRecordScreen) and "969 messages" in editor.note
        assert not editor.query(MessageEditor)
        await pilot.press("escape")
        await pilot.pause()
        assert current(pilot) is screen
        await screen.run_action("next_problem(1)")
        screen._go_to_pos(11)  # the 2 MB record
        await pilot.press("e")
        await pilot.pause()
        viewer = pilot.app.screen
        assert isinstance(viewer, EditRecordScreen) and viewer.read_only
        assert "read-only" in viewer.note
        assert len(viewer.query_one(TextArea).text) <= 70_000
        await pilot.press("escape")
        await pilot.pause()
        assert time.monotonic() - started < 20  # was 65 s to open the first one


async def answer(pilot: Pilot[None], text: str) -> None:
    """Type an answer into the open AskScreen and submit it."""
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AskScreen)
    screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_convert_and_split_refuse_the_open_file_and_ask_before_replacing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "legacy.jsonl"
    shutil.copyfile(LEGACY, path)
    mine = tmp_path / "mine.jsonl"
    mine.write_bytes(b"mine\n")
    async with make_app(path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("C")
        await answer(pilot, str(path))
        await pilot.app.workers.wait_for_complete()
        assert current(pilot) is screen
        assert any("refusing" in n.message for n in pilot.app._notifications)
        assert path.read_bytes() == LEGACY.read_bytes()
        await pilot.press("C")
        await answer(pilot, str(mine))
        assert isinstance(current(pilot), ConfirmScreen)
        await pilot.press("n")
        await pilot.app.workers.wait_for_complete()
        assert mine.read_bytes() == b"mine\n"
        await pilot.press("C")
        await answer(pilot, str(mine))
        await pilot.press("y")
        await pilot.pause()
        for _ in range(50):  # the convert runs in a worker, then offers to open the file
            if isinstance(current(pilot), ConfirmScreen):
                break
            await pilot.pause(0.05)
        await pilot.press("n")  # do not open it
        await pilot.app.workers.wait_for_complete()
        assert b'"messages"' in mine.read_bytes()
        train = tmp_path / "legacy.train.jsonl"
        train.write_bytes(b"old train\n")
        await pilot.press("T")
        await answer(pilot, "0.1 42")
        assert isinstance(current(pilot), ConfirmScreen)
        await pilot.press("n")
        await pilot.app.workers.wait_for_complete()
        assert train.read_bytes() == b"old train\n"
        assert not (tmp_path / "legacy.validation.jsonl").exists()


async def test_fix_all_that_deletes_records_asks_first(tmp_path: Path) -> None:
    path = tmp_path / "flawed.jsonl"
    shutil.copyfile(FLAWED, path)
    async with make_app(path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        pos = next(p for p in range(len(session.doc)) if "dataset.duplicate" in rules(screen, p))
        screen._go_to_pos(pos)
        await pilot.pause()
        findings = screen.query_one("#findings", OptionList)
        findings.highlighted = [f.rule for f in session.findings(pos)].index("dataset.duplicate")
        before = len(session.doc)
        await pilot.press("F")
        await pilot.pause()
        dialog = current(pilot)
        assert isinstance(dialog, ConfirmScreen) and "Delete" in dialog.question
        await pilot.press("n")
        await pilot.app.workers.wait_for_complete()
        assert len(session.doc) == before and not session.doc.dirty
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()
        assert len(session.doc) < before


def rules(screen: DatasetScreen, pos: int) -> set[str]:
    assert screen.session is not None
    return {f.rule for f in screen.session.findings(pos)}
