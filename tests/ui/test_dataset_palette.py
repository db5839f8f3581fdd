"""Pilot tests of the dataset editor: the palette, the help, and an empty file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ui.dataset_support import ready
from tests.ui.test_dataset_screen import flawed, make_app
from tuiftune.ui.dataset.edit_record import EditRecordScreen
from tuiftune.ui.dataset.screen import DatasetScreen

__all__ = ["flawed"]  # the fixture, shared with test_dataset_screen


async def test_every_key_is_in_the_palette_and_the_help(flawed: Path) -> None:
    app = make_app(flawed)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        names = {command.title for command in app.get_system_commands(screen)}
        for description in (
            "Fix all",
            "Save as",
            "Train/validation split",
            "Go to line",
            "Undo",
            "Jobs",
            "Help",
        ):
            assert description in names
        await pilot.press("f1")
        await pilot.pause()
        from textual.widgets import Markdown

        from tuiftune.ui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Markdown).source
        assert "Dataset editor" in text and "ctrl+z" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DatasetScreen)


async def test_palette_runs_an_action(tmp_path: Path) -> None:
    path = tmp_path / "spaces.jsonl"
    records = [
        {
            "messages": [
                {"role": "user", "content": f"q{i}"},
                {"role": "assistant", "content": f" a{i}"},
            ]
        }
        for i in range(12)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Fix all")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session is not None
        assert all(not screen.session.findings(p) for p in range(12))


async def test_empty_file_then_add_a_record_and_save(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    async with make_app(path).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("n", "f", "F", "e")  # nothing to act on: no crash
        await pilot.press("a")
        await pilot.pause()
        from textual.widgets import TextArea

        assert isinstance(pilot.app.screen, EditRecordScreen)
        record = {
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
            ]
        }
        pilot.app.screen.query_one(TextArea).text = json.dumps(record)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.session is not None and len(screen.session.doc) == 1
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
    assert path.read_bytes() == (json.dumps(record) + "\n").encode()
