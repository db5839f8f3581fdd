"""ctrl+l in the Playground loads the record under the Dataset editor's cursor, asked of the
app (``editor_record``), not read from the editor's private state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.ui.sandbox_support import Sandbox, make_sandbox, until
from tuiftune.ui.dataset.record_list import RecordList
from tuiftune.ui.playground.screen import PlaygroundScreen

LEGACY = SAMPLES / "ticket-triage-legacy.jsonl"


@pytest.fixture
async def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.chdir(tmp_path)
    return await make_sandbox(tmp_path)


async def test_ctrl_l_loads_the_record_under_the_editors_cursor(sandbox: Sandbox) -> None:
    app = sandbox.app(LEGACY)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.screen.query(RecordList)), "the record list")
        records = app.screen.query_one(RecordList)
        await until(pilot, lambda: records.count() > 3, "the records")
        records.focus()
        await pilot.press("down", "down")
        await until(pilot, lambda: records.cursor == 2, "the third row")
        found = app.editor_record()
        assert found is not None and found[1] == 2
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen)
        await until(pilot, lambda: screen.legacy_defaults()[0] is not None, "the lint")
        await pilot.press("ctrl+l")
        third = json.loads(LEGACY.read_text(encoding="utf-8").splitlines()[2])
        separator, _ = screen.legacy_defaults()
        assert separator is not None
        await until(
            pilot,
            lambda: screen.prompt_input().value == third["prompt"][: -len(separator)],
            "the third record's prompt",
        )
