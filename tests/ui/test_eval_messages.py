"""Eval and Playground pilots in Harlequin's style: record the messages posted, assert on them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import pytest
from textual.message import Message
from textual.pilot import Pilot

from tests.conftest import SAMPLES
from tests.ui.sandbox_support import BASE, Sandbox, make_sandbox, run_to_the_end, until
from tuiftune.server import ManualClock, ServerOptions
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.eval.example import ExampleScreen
from tuiftune.ui.eval.results_table import ResultsTable
from tuiftune.ui.eval.run_panel import RunPanel
from tuiftune.ui.eval.screen import EvalScreen
from tuiftune.ui.messages import OpenModel, OpenRecord
from tuiftune.ui.playground.answer_pane import AnswerPane
from tuiftune.ui.playground.screen import PlaygroundScreen
from tuiftune.ui.screens.modals import AskScreen
from tuiftune.wiring import build_sandbox_client, sandbox_provider

TEST_SET = SAMPLES / "ticket-triage-test.jsonl"
T = TypeVar("T")
HOSTILE = (
    "[bold]loud[/bold] [@click=app.quit]quit[/] \x1b[31mred\x1b[0m \x1b]0;title\x07 \u202eevil"
)


@pytest.fixture
async def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.chdir(tmp_path)
    return await make_sandbox(tmp_path)


def only(messages: list[Message], kind: type[T]) -> T:
    """The one message of ``kind`` (fails when there are none or several)."""
    # The hook sees a bubbling message at every node it reaches: count each message once.
    found = list({id(m): m for m in messages if isinstance(m, kind)}.values())
    assert len(found) == 1, f"{len(found)} {kind.__name__} messages"
    return found[0]


async def open_eval(pilot: Pilot[None], models: int = 2) -> EvalScreen:
    await pilot.press("f5")
    screen = pilot.app.screen
    assert isinstance(screen, EvalScreen)
    await until(pilot, lambda: len(screen.models) == models, "the default models")
    return screen


async def test_a_run_posts_one_ended_and_rows_open_by_message(sandbox: Sandbox) -> None:
    messages: list[Message] = []
    async with sandbox.app().run_test(size=(100, 30), message_hook=messages.append) as pilot:
        screen = await open_eval(pilot)
        await screen.open_test_set(TEST_SET)
        await run_to_the_end(pilot, screen)
        assert only(messages, RunPanel.Ended).note == "complete"
        await pilot.press("f")
        changed = only(messages, ResultsTable.FilterChanged)
        assert changed.filter == "last" and changed.shown == screen.table.row_count
        assert 0 < changed.shown < 30
        screen.table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, ExampleScreen), "the example")
        chosen = only(messages, ResultsTable.ExampleChosen)
        assert chosen.row.failed("last")  # the filter shows only B's failures
        assert chosen.row.example.index == screen.table.visible_rows()[0].example.index
        await pilot.press("escape")
        # Hand-offs are app-level messages: the failing record in the editor, B in the Playground.
        await pilot.press("g")
        await until(pilot, lambda: pilot.app.current_mode == "dataset", "the editor")
        record = only(messages, OpenRecord)
        assert record.path == TEST_SET and record.line == chosen.row.example.line
        await pilot.press("f5")
        await until(pilot, lambda: pilot.app.screen is screen, "back in eval")
        await pilot.press("p")
        await until(pilot, lambda: pilot.app.current_mode == "playground", "the playground")
        assert only(messages, OpenModel).model == sandbox.tuned
        playground = pilot.app.screen
        assert isinstance(playground, PlaygroundScreen)
        await until(pilot, lambda: bool(playground.slots), "the slots")
        assert playground.slots[0].id == sandbox.tuned


async def test_the_test_set_dialog_is_not_prefilled_with_the_editors_file(
    sandbox: Sandbox,
) -> None:
    training = SAMPLES / "ticket-triage-chat.jsonl"
    async with sandbox.app(training).run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await open_eval(pilot)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the dialog")
        value = pilot.app.screen.query_one("#ask-input").value  # type: ignore[attr-defined]
        assert str(training) not in value and value == ""


async def test_answer_panes_post_finished_with_their_turn(sandbox: Sandbox) -> None:
    messages: list[Message] = []
    async with sandbox.app().run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await pilot.press("f4")
        screen = pilot.app.screen
        assert isinstance(screen, PlaygroundScreen)
        await until(pilot, lambda: len(screen.panes()) == 2, "the default models")
        screen.prompt_input().value = "My parcel is late"
        await pilot.press("enter")
        await until(pilot, lambda: not screen.running, "the answers")
        await pilot.app.workers.wait_for_complete()
        finished = list({id(m): m for m in messages if isinstance(m, AnswerPane.Finished)}.values())
        assert sorted(m.pane.index for m in finished) == [0, 1]
        assert {m.turn.model for m in finished} == {sandbox.tuned, BASE}
        assert all(m.turn.output == m.pane.text and m.turn.usage for m in finished)
        assert not [m for m in messages if isinstance(m, AnswerPane.Failed)]


async def test_model_text_is_data_in_every_eval_widget(tmp_path: Path) -> None:
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"question number {i}"},
                {"role": "assistant", "content": f"{HOSTILE} {i}"},
            ]
        }
        for i in range(12)
    ]
    train = tmp_path / "hostile.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    clock = ManualClock()
    options = ServerOptions(state_dir=tmp_path / "sbx", clock=clock, step_seconds=1.0, seed=3)
    async with build_sandbox_client(options) as client:
        file = await client.files.create(file=train, purpose="fine-tune")
        job = await client.fine_tuning.jobs.create(training_file=file.id, model=BASE)
        clock.advance(1_000_000)
        job = await client.fine_tuning.jobs.retrieve(job.id)
    assert job.fine_tuned_model

    services = Services("SANDBOX", provider_factory=lambda: sandbox_provider(options))
    app = TuiftuneApp(services, None)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_eval(pilot)
        await screen.open_test_set(train)
        screen.results_path = tmp_path / "r.jsonl"
        await run_to_the_end(pilot, screen)
        assert any(HOSTILE in r.output for r in screen.results)
        for view in ("table", "summary"):
            shown = app.export_screenshot()
            assert "\x1b" not in shown and "\u202e" not in shown, view
            await pilot.press("s")
        await pilot.press("s")  # back to the table
        screen.table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, ExampleScreen), "the example")
        shown = app.export_screenshot()
        assert "[@click=app.quit]quit[/]" in shown and "\\x1b" in shown
        assert "\x1b" not in shown and "\u202e" not in shown
        await pilot.press("escape")
        assert app.is_running


async def test_a_full_disk_ends_the_run_with_one_line(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os
    from typing import BinaryIO

    from tuiftune.service import evals_io

    def full(fh: BinaryIO, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(evals_io, "_append", full)
    messages: list[Message] = []
    async with sandbox.app().run_test(size=(80, 24), message_hook=messages.append) as pilot:
        screen = await open_eval(pilot)
        await screen.open_test_set(TEST_SET)
        await run_to_the_end(pilot, screen)
        note = only(messages, RunPanel.Ended).note
        assert "No space left on device" in note and "(R resumes)" in note
        assert str(screen.query_one("#ev-status").render()) == note
        assert pilot.app.is_running and not screen.running
    assert (tmp_path / "ticket-triage-test.results.jsonl").read_bytes() == b""
