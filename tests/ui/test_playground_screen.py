"""Pilot tests of the playground against the in-process sandbox: fine-tuned and base models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.pilot import Pilot

from tests.conftest import SAMPLES
from tests.ui.sandbox_support import BASE, Sandbox, make_sandbox, until
from tuiftune.dataset import Severity, lint_file
from tuiftune.dataset.record_builders import legacy_record
from tuiftune.service.sampling_text import params_text, parse_params
from tuiftune.service.types import SamplingParams
from tuiftune.ui.messages import ModelOpened, OpenModel
from tuiftune.ui.playground.screen import PlaygroundScreen
from tuiftune.ui.screens.modals import AskScreen, PickScreen

TICKET = "I was charged twice for my subscription this month, please refund one."


@pytest.fixture
async def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.chdir(tmp_path)  # kept records and exports land in tmp_path
    return await make_sandbox(tmp_path)


async def open_playground(pilot: Pilot[None]) -> PlaygroundScreen:
    await pilot.press("f4")
    screen = pilot.app.screen
    assert isinstance(screen, PlaygroundScreen)
    await until(pilot, lambda: len(screen.panes()) == 2, "the default models")
    return screen


async def send(pilot: Pilot[None], screen: PlaygroundScreen, text: str) -> None:
    screen.prompt_input().value = text
    await pilot.press("enter")
    await until(pilot, lambda: not screen.running, "the answers")
    await pilot.app.workers.wait_for_complete()


async def test_streams_fine_tuned_and_base_side_by_side(sandbox: Sandbox) -> None:
    async with sandbox.app().run_test(size=(120, 40)) as pilot:
        screen = await open_playground(pilot)
        assert [m.id for m in screen.slots] == [sandbox.tuned, BASE]
        await send(pilot, screen, TICKET)
        tuned, base = screen.panes()
        assert tuned.text == "billing"
        assert len(base.text) > 40 and base.text != "billing"
        assert screen.current[0] is not None and screen.current[0].usage is not None
        assert [t.model for t in screen.turns] == [sandbox.tuned, BASE]
        # A second turn continues each model's own conversation.
        await send(pilot, screen, "Thanks!")
        assert [m["role"] for m in screen.histories[0]] == ["user", "assistant"] * 2


async def test_blind_mode_hides_names_until_an_answer_is_kept(sandbox: Sandbox) -> None:
    async with sandbox.app().run_test(size=(120, 40)) as pilot:
        screen = await open_playground(pilot)
        await pilot.press("ctrl+b")
        assert screen.blind
        titles = [screen.pane_title(p.index) for p in screen.panes()]
        assert titles == ["Answer A", "Answer B"]
        await send(pilot, screen, TICKET)
        shown = pilot.app.screen.query_one(".answer-title").render()
        assert sandbox.tuned not in str(shown) and BASE not in str(shown)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, PickScreen), "the pick")
        await pilot.press("enter")  # Answer A
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the path")
        assert screen.revealed
        titles = [screen.pane_title(p.index) for p in screen.panes()]
        assert {sandbox.tuned, BASE} <= {t.split(": ", 1)[1] for t in titles}
        await pilot.press("enter")  # kept.jsonl
        await until(pilot, lambda: Path("kept.jsonl").exists(), "the kept record")
    record = json.loads(Path("kept.jsonl").read_text())
    answer = screen.current[0]
    assert answer is not None
    assert record["messages"][-1] == {"role": "assistant", "content": answer.output}
    assert record["messages"][0] == {"role": "user", "content": TICKET}
    report = await lint_file(Path("kept.jsonl"))
    assert not [f for f in report.findings if f.severity is Severity.ERROR and f.line]


async def test_cancel_stops_a_stream(sandbox: Sandbox) -> None:
    sandbox.options.chunk_delay_ms = 100  # slow enough to cancel mid-answer
    async with sandbox.app().run_test(size=(120, 40)) as pilot:
        screen = await open_playground(pilot)
        screen.prompt_input().value = TICKET
        await pilot.press("enter")
        base = screen.panes()[1]
        await until(pilot, lambda: bool(base.text), "the first tokens")
        await pilot.press("escape")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        stopped_at = base.text
        turn = screen.current[1]
        assert turn is not None and turn.cancelled and turn.finish_reason is None
        assert not screen.running and screen.histories[1] == []
        assert "cancelled" in str(base.query_one(".answer-status").render())
        await pilot.pause(0.3)  # a live stream would have added three chunks by now
        assert base.text == stopped_at


async def test_preference_pair_and_history_export(sandbox: Sandbox) -> None:
    async with sandbox.app().run_test(size=(120, 40)) as pilot:
        screen = await open_playground(pilot)
        await send(pilot, screen, TICKET)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(pilot.app.screen, PickScreen), "the pick")
        await pilot.press("enter")  # preferred: A (the fine-tuned model)
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the path")
        await pilot.press("enter")
        await until(pilot, lambda: Path("preferences.jsonl").exists(), "the DPO record")
        await pilot.press("ctrl+y")
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the path")
        await pilot.press("enter")
        await until(pilot, lambda: Path("playground-history.jsonl").exists(), "the export")
    pair = json.loads(Path("preferences.jsonl").read_text())
    assert pair["preferred_output"][0]["content"] == "billing"
    assert pair["non_preferred_output"][0]["content"] != "billing"
    assert pair["input"]["messages"] == [{"role": "user", "content": TICKET}]
    report = await lint_file(Path("preferences.jsonl"))
    assert not [f for f in report.findings if f.severity is Severity.ERROR and f.line]
    history = [json.loads(x) for x in Path("playground-history.jsonl").read_text().splitlines()]
    assert [h["model"] for h in history] == [sandbox.tuned, BASE]


async def test_opens_the_model_the_jobs_screen_asks_for(sandbox: Sandbox) -> None:
    messages: list[Message] = []
    async with sandbox.app().run_test(size=(80, 24), message_hook=messages.append) as pilot:
        screen = await open_playground(pilot)
        await pilot.press("f2")
        # What the Jobs screen does: a request that bubbles to the app.
        pilot.app.screen.post_message(OpenModel("babbage-002"))
        await until(pilot, lambda: screen.slots[0].id == "babbage-002", "the model")
        assert pilot.app.screen is screen  # the app switched to the playground
        (opened,) = [m for m in messages if isinstance(m, ModelOpened)]
        assert opened.model == "babbage-002"
        assert screen.slots[0].legacy and screen.pane_title(0).endswith("(legacy)")


async def test_loads_the_dataset_editors_record_and_legacy_defaults(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app = sandbox.app(SAMPLES / "ticket-triage-legacy.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        screen = await open_playground(pilot)
        await until(pilot, lambda: screen.legacy_defaults()[0] is not None, "the lint")
        await pilot.press("ctrl+l")
        first = json.loads((SAMPLES / "ticket-triage-legacy.jsonl").read_text().splitlines()[0])
        separator, stop = screen.legacy_defaults()
        assert separator is not None and first["prompt"].endswith(separator)
        assert screen.prompt_input().value == first["prompt"][: -len(separator)]
        # A legacy model gets the separator appended and the stop sequence by default.
        await pilot.press("f2")
        pilot.app.post_message(OpenModel("babbage-002"))
        await until(pilot, lambda: screen.slots[0].id == "babbage-002", "the model")
        await send(pilot, screen, "Ticket: my parcel is late")
        turn = screen.current[0]
        assert turn is not None and turn.prompt.endswith(separator)
        assert turn.params["stop"] == stop


async def test_a_failing_model_shows_the_error_in_its_pane(sandbox: Sandbox) -> None:
    async with sandbox.app().run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        pilot.app.post_message(OpenModel("no-such-model"))
        await until(pilot, lambda: screen.slots[0].id == "no-such-model", "the model")
        await send(pilot, screen, TICKET)
        status = str(screen.panes()[0].query_one(".answer-status").render())
        assert status.startswith("error:")
        assert screen.panes()[1].text  # the other model still answered
        await pilot.press("f1")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "HelpScreen"


def test_parameters_round_trip_and_legacy_records() -> None:
    params = parse_params(
        r"temperature=0.3 top_p=0.9 max_tokens=20 stop=\n,### seed=4", SamplingParams()
    )
    assert params == SamplingParams(0.3, 0.9, 20, ["\n", "###"], 4)
    assert parse_params(params_text(params), SamplingParams()) == params
    assert parse_params("seed=", params).seed is None
    with pytest.raises(ValueError, match="temperature"):
        parse_params("temperature=3", params)
    with pytest.raises(ValueError, match="unknown"):
        parse_params("colour=red", params)
    record = legacy_record("Ticket: x", "billing", "\n\n###\n\n", "\n")
    assert record == {"prompt": "Ticket: x\n\n###\n\n", "completion": " billing\n"}


async def test_model_output_is_shown_as_text_not_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuiftune.server import ManualClock, ServerOptions
    from tuiftune.ui.app import Services, TuiftuneApp
    from tuiftune.wiring import build_sandbox_client, sandbox_provider

    hostile = "[bold]loud[/bold] [@click=app.quit]quit[/] \x1b[31mred\x1b[0m"
    train = tmp_path / "hostile-train.jsonl"
    records = [
        {
            "messages": [
                {"role": "user", "content": f"question number {i}"},
                {"role": "assistant", "content": f"{hostile} {i}"},
            ]
        }
        for i in range(12)
    ]
    train.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
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
        screen = await open_playground(pilot)
        await send(pilot, screen, "question number 4")
        tuned = screen.panes()[0]
        assert tuned.text == f"{hostile} 4"
        shown = app.export_screenshot()
        assert "[bold]loud[/bold]" in shown and "[@click=app.quit]quit[/]" in shown
        assert "\x1b" not in shown
        assert app.is_running  # the [@click=app.quit] in the answer did nothing


async def test_an_html_proxy_page_is_one_clear_line_in_the_pane(tmp_path: Path) -> None:
    import httpx2
    import openai

    from tuiftune.service.providers.openai import from_clients
    from tuiftune.ui.app import Services, TuiftuneApp

    def html(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200, text="<html>log in</html>", headers={"content-type": "text/html"}
        )

    def provider() -> Any:
        client = openai.AsyncOpenAI(
            api_key="k",
            base_url="http://proxy.invalid/v1",
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(html)),
        )
        return from_clients(client, label="PROXY")

    app = TuiftuneApp(Services("PROXY", provider_factory=provider), None)
    async with app.run_test(size=(80, 24)) as pilot:
        pilot.app.post_message(OpenModel("gpt-4o-mini-2024-07-18"))
        await until(pilot, lambda: isinstance(pilot.app.screen, PlaygroundScreen), "the area")
        screen = pilot.app.screen
        assert isinstance(screen, PlaygroundScreen)
        await until(pilot, lambda: len(screen.panes()) == 1, "the pane")
        await send(pilot, screen, "hello")
        status = str(screen.panes()[0].query_one(".answer-status").render())
        assert status.startswith("error: the server sent no answer")
        assert app.is_running
