"""The nearest-training-rows panel: the reworded row first, enter opens it in the editor
(OpenRecord with file and line), row text shown as data (no markup, no escapes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message

from tests.ui.sandbox_support import settled
from tuiftune.ui.messages import OpenRecord
from tuiftune.ui.nearest.panel import NearestPanel


def _chat(question: str, answer: str) -> str:
    messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return json.dumps({"messages": messages})


ROWS = [
    ("My invoice shows the wrong amount for March", "billing"),
    ("The app crashes when I upload a photo", "technical"),
    ("[bold red]Where[/] is my parcel \x1b[31m tracking number", "shipping"),
    ("I want to close my account and delete my data", "account"),
]


class PanelApp(App[None]):
    def __init__(self, train: Path) -> None:
        super().__init__()
        self.train = train

    def compose(self) -> ComposeResult:
        yield NearestPanel(id="nearest")

    def on_mount(self) -> None:
        self.query_one(NearestPanel).show_for(self.train, "where is the tracking of my parcel")


def _train(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(_chat(q, a) for q, a in ROWS) + "\n", encoding="utf-8")
    return path


async def test_nearest_rows_and_open_in_editor(tmp_path: Path) -> None:
    seen: list[Message] = []
    train = _train(tmp_path)
    app = PanelApp(train)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.query_one(NearestPanel)
        assert panel.neighbours[0].row.line == 3
        prompt = panel.get_row_at(0)[2]
        assert "[bold red]Where[/]" in str(prompt) and "\x1b" not in str(prompt)
        panel.focus()
        await pilot.press("enter")
        await pilot.pause()
        opened = list({id(m): m for m in seen if isinstance(m, OpenRecord)}.values())
        assert [(m.path, m.line) for m in opened] == [(train, 3)]


async def test_unreadable_file_is_one_line(tmp_path: Path) -> None:
    app = PanelApp(tmp_path / "missing.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.query_one(NearestPanel).neighbours == []
        assert any("cannot read" in n.message for n in app._notifications)


def test_nearest_panel_80x24(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()
        await settled(pilot)  # the columns are sized, and the scrollbar shown, frames later

    assert snap_compare(PanelApp(_train(tmp_path)), terminal_size=(80, 24), run_before=run_before)


async def test_nearest_screen_asks_for_the_training_file_and_opens_a_row(tmp_path: Path) -> None:
    from textual.widgets import Input

    from tuiftune.evaluation.examples import example_from_parts
    from tuiftune.ui.nearest.screen import NearestScreen, ask_and_show

    train = _train(tmp_path)
    example = example_from_parts(
        0, "shipping", messages=[{"role": "user", "content": "my parcel tracking number?"}]
    )
    seen: list[Message] = []
    app: App[None] = App()
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        app.run_worker(ask_and_show(app.screen, example, train))
        await pilot.pause()
        assert app.screen.query_one(Input).value == str(train)  # the editor's file, offered
        await pilot.press("enter")
        for _ in range(200):
            if (
                isinstance(app.screen, NearestScreen)
                and app.screen.query_one(NearestPanel).neighbours
            ):
                break
            await pilot.pause(0.01)
        panel = app.screen.query_one(NearestPanel)
        assert panel.neighbours[0].row.line == 3
        await pilot.press("enter")
        await pilot.pause()
        opened = list({id(m): m for m in seen if isinstance(m, OpenRecord)}.values())
        assert [(m.path, m.line) for m in opened] == [(train, 3)]
        assert not isinstance(app.screen, NearestScreen)  # closed on the way to the editor
