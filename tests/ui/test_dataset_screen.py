"""Pilot tests of the dataset editor: each action a user takes, against real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.dataset.helpers import hostile_lines
from tests.ui.dataset_support import ready
from tuiftune.dataset.session import FilterKind
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.edit_record import EditRecordScreen
from tuiftune.ui.dataset.record_list import RecordList
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.dataset.status import StatusLine
from tuiftune.ui.screens.modals import AskScreen, ConfirmScreen, PickScreen

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"


@pytest.fixture
def flawed(tmp_path: Path) -> Path:
    target = tmp_path / "flawed.jsonl"
    shutil.copyfile(FLAWED, target)
    return target


def make_app(path: Path | None) -> TuiftuneApp:
    return TuiftuneApp(Services("SANDBOX"), path)


def cursor_line(screen: DatasetScreen) -> int:
    records = screen.query_one(RecordList)
    assert screen.session is not None
    return screen.session.pos_of_row(records.cursor) + 1


async def test_opens_lints_and_navigates_to_problems(flawed: Path) -> None:
    async with make_app(flawed).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert screen.session is not None
        assert len(screen.session.doc) == 60
        await pilot.press("n")
        assert cursor_line(screen) == 3
        await pilot.press("n", "n")
        assert cursor_line(screen) == 5
        await pilot.press("N")
        assert cursor_line(screen) == 4
        await pilot.press("down", "down", "end")
        assert cursor_line(screen) == 60


async def test_go_to_line_and_search(flawed: Path) -> None:
    async with make_app(flawed).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("g")
        assert "go to line" in str(screen.query_one(StatusLine).render())
        await pilot.press("1", "3", "enter")
        await pilot.pause()
        assert cursor_line(screen) == 13
        await pilot.press("slash")
        await pilot.press(*"vacuum", "enter")
        await pilot.pause()
        assert screen.session is not None
        assert screen.session.filter is FilterKind.SEARCH
        texts = [
            screen.session.doc.text_at(screen.session.pos_of_row(r))
            for r in range(len(screen.session))
        ]
        assert texts and all("vacuum" in t.lower() for t in texts)


async def test_filter_to_errors_then_all(flawed: Path) -> None:
    async with make_app(flawed).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("v")
        assert isinstance(pilot.app.screen, PickScreen)
        await pilot.press("down", "enter")  # "Errors"
        await pilot.pause()
        assert screen.session is not None
        lines = [screen.session.pos_of_row(r) + 1 for r in range(len(screen.session))]
        assert lines == [13, 15, 19]


async def test_fix_one_then_fix_all_then_undo_redo(tmp_path: Path) -> None:
    path = tmp_path / "spaces.jsonl"
    records = [
        {
            "messages": [
                {"role": "user", "content": f"q{i}"},
                {"role": "assistant", "content": f" answer {i}"},
            ]
        }
        for i in range(12)
    ]
    original = "".join(json.dumps(r) + "\n" for r in records).encode()
    path.write_bytes(original)
    async with make_app(path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        await pilot.press("f")
        assert json.loads(session.doc.raw_at(0))["messages"][1]["content"] == "answer 0"
        assert json.loads(session.doc.raw_at(1))["messages"][1]["content"] == " answer 1"
        await pilot.press("down", "F")
        assert all(
            not json.loads(session.doc.raw_at(p))["messages"][1]["content"].startswith(" ")
            for p in range(12)
        )
        await pilot.press("ctrl+z")  # undoes the fix-all in one step
        assert json.loads(session.doc.raw_at(5))["messages"][1]["content"] == " answer 5"
        assert json.loads(session.doc.raw_at(0))["messages"][1]["content"] == "answer 0"
        await pilot.press("ctrl+z")
        assert b"".join(session.doc.iter_bytes()) == original
        await pilot.press("ctrl+y")
        assert json.loads(session.doc.raw_at(0))["messages"][1]["content"] == "answer 0"


async def test_edit_record_as_json_and_save(flawed: Path) -> None:
    async with make_app(flawed).run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        await pilot.press("g", "1", "3", "enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, EditRecordScreen)
        fixed = '{"prompt": "Ticket: fixed\\n\\n###\\n\\n", "completion": " billing\\n"}'
        from textual.widgets import TextArea

        editor.query_one(TextArea).text = fixed
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert session.doc.raw_at(12) == fixed.encode()
        assert "json.invalid" not in {f.rule for f in session.findings(12)}
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
        assert flawed.read_bytes().splitlines()[12] == fixed.encode()
        assert not session.doc.dirty


async def test_add_duplicate_move_delete(flawed: Path) -> None:
    async with make_app(flawed).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        first = session.doc.raw_at(0)
        await pilot.press("c")  # duplicate line 1 to line 2
        assert session.doc.raw_at(1) == first
        assert len(session.doc) == 61
        await pilot.press("alt+down")  # move the copy down to line 3
        assert session.doc.raw_at(2) == first
        await pilot.press("delete")
        assert len(session.doc) == 60
        assert session.doc.raw_at(2) != first
        await pilot.press("ctrl+z", "ctrl+z", "ctrl+z")
        assert b"".join(session.doc.iter_bytes()) == FLAWED.read_bytes()


async def test_quit_with_unsaved_edits_asks_first(flawed: Path) -> None:
    app = make_app(flawed)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("c")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DatasetScreen)
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


async def test_save_refuses_silent_overwrite_of_a_changed_file(flawed: Path) -> None:
    import os

    async with make_app(flawed).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("c")
        flawed.write_bytes(b'{"prompt": "theirs", "completion": " x\\n"}\n')
        os.utime(flawed, ns=(1, 1))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.app.workers.wait_for_complete()
        assert flawed.read_bytes().startswith(b'{"prompt": "theirs"')
        assert screen.session is not None and screen.session.doc.dirty


async def test_open_then_save_without_edits_is_byte_identical(
    tmp_path: Path, shared_dataset: object
) -> None:
    for name in (
        "salescall-dpo-bom.jsonl",
        "autograding-duplicates.jsonl",
        "web3-sharegpt-function-call.jsonl",
    ):
        path = tmp_path / name
        original = shared_dataset(name).read_bytes()  # type: ignore[operator]
        path.write_bytes(original)
        async with make_app(path).run_test(size=(80, 24)) as pilot:
            await ready(pilot)
            await pilot.press("ctrl+s")
            await pilot.app.workers.wait_for_complete()
        assert path.read_bytes() == original


async def test_hostile_data_is_shown_literally_and_saved_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    lines = hostile_lines()
    data = b"\r\n".join(lines)  # CRLF and no final newline, too
    path.write_bytes(data)
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        records = screen.query_one(RecordList)
        shown = ["".join(seg.text for seg in records.render_line(y)) for y in range(3)]
        assert "[bold]x[/bold] [@click=app.quit]q" in shown[0]
        assert "\\x1b[31mred" in shown[0]
        assert all("\x1b" not in s for s in shown)
        assert "\ufffd\ufffd bad bytes" in shown[1]
        await pilot.press("down", "down")  # the 5 MB line shows in the detail pane
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
    assert path.read_bytes() == data


async def test_recovers_edits_after_a_crash(flawed: Path) -> None:
    original = flawed.read_bytes()
    crashed = make_app(flawed)
    async with crashed.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("c", "down", "c")  # two duplicates, never saved
        assert screen.journal is not None
        await screen.journal.flush()
        edited = b"".join(screen.session.doc.iter_bytes())  # type: ignore[union-attr]
    # The app went away with unsaved edits (as a crash would): the file is untouched and the
    # journal beside it holds the edits.
    assert flawed.read_bytes() == original
    assert (flawed.parent / f".{flawed.name}.tuiftune-journal").exists()
    again = make_app(flawed)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(20):
            if isinstance(again.screen, ConfirmScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(again.screen, ConfirmScreen)
        await pilot.press("y")
        screen = await ready(pilot)
        assert screen.session is not None
        assert b"".join(screen.session.doc.iter_bytes()) == edited
        assert screen.session.doc.dirty
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
    assert flawed.read_bytes() == edited
    assert not (flawed.parent / f".{flawed.name}.tuiftune-journal").exists()


async def test_declining_recovery_deletes_the_journal(flawed: Path) -> None:
    async with make_app(flawed).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("c")
        assert screen.journal is not None
        await screen.journal.flush()
    journal = flawed.parent / f".{flawed.name}.tuiftune-journal"
    assert journal.exists()
    app = make_app(flawed)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(20):
            if isinstance(app.screen, ConfirmScreen):
                break
            await pilot.pause(0.05)
        await pilot.press("n")
        screen = await ready(pilot)
        assert screen.session is not None and len(screen.session.doc) == 60
    assert not journal.exists()


async def test_structured_edit_changes_adds_and_moves_messages(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    records = [
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": f"Question {i}?"},
                {"role": "assistant", "content": f"Answer {i}."},
            ]
        }
        for i in range(12)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    first_line = path.read_bytes().split(b"\n")[0]
    async with make_app(path).run_test(size=(100, 40)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        await pilot.press("e")
        await pilot.pause()
        from textual.widgets import TextArea

        from tuiftune.ui.dataset.edit_structured import MessageEditor, StructuredEditScreen

        editor = pilot.app.screen
        assert isinstance(editor, StructuredEditScreen)
        messages = list(editor.query(MessageEditor))
        assert [m.value()["role"] for m in messages] == ["system", "user", "assistant"]
        messages[1].query_one(TextArea).text = "Where is the pairing button?"
        messages[2].query_one(TextArea).focus()
        await pilot.press("ctrl+n")  # a user turn after the assistant
        await pilot.pause()
        new = list(editor.query(MessageEditor))[3]
        new.query_one(TextArea).text = "Thanks!"
        await pilot.press("alt+up")  # move it above the assistant: now the record ends badly
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        record = json.loads(session.doc.raw_at(0))
        roles = [m["role"] for m in record["messages"]]
        assert roles == ["system", "user", "user", "assistant"]
        assert record["messages"][1]["content"] == "Where is the pairing button?"
        assert record["messages"][2]["content"] == "Thanks!"
        await pilot.press("ctrl+z")
        assert session.doc.raw_at(0) == first_line


async def test_split_and_convert_write_new_files(tmp_path: Path) -> None:
    path = tmp_path / "legacy.jsonl"
    shutil.copyfile(SAMPLES / "ticket-triage-legacy.jsonl", path)
    original = path.read_bytes()
    async with make_app(path).run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AskScreen)
        await pilot.press("enter")  # the default: 10% validation, seed 42
        await pilot.app.workers.wait_for_complete()
        train = (tmp_path / "legacy.train.jsonl").read_bytes().splitlines()
        validation = (tmp_path / "legacy.validation.jsonl").read_bytes().splitlines()
        assert len(train) + len(validation) == 60
        assert len(validation) == 6
        assert set(train) | set(validation) == set(original.splitlines())
        await pilot.press("C")
        await pilot.pause()
        await pilot.press("enter")  # default target legacy.chat.jsonl
        for _ in range(50):
            if isinstance(pilot.app.screen, ConfirmScreen):
                break
            await pilot.pause(0.05)
        await pilot.press("n")
        await pilot.app.workers.wait_for_complete()
    chat = [json.loads(line) for line in (tmp_path / "legacy.chat.jsonl").read_text().splitlines()]
    assert len(chat) == 60
    first = json.loads(original.splitlines()[0])
    assert chat[0]["messages"][0]["content"] == first["prompt"].removesuffix("\n\n###\n\n")
    assert chat[0]["messages"][1]["content"] == first["completion"].strip()
    assert path.read_bytes() == original
