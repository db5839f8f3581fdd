"""The editor's target model: the picker (M), an open model's own tokenizer, cancel, --model."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.color import Color, ColorSystem
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from tests.conftest import SAMPLES
from tests.tiny_tokenizer import build_tiny_tokenizer
from tuiftune.cli import build_app_parser
from tuiftune.dataset.costs import DEFAULT_PRICES
from tuiftune.dataset.linter import Linter
from tuiftune.dataset.model_choice import ModelChoiceError, check_model, known_models
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.record_detail import RecordDetail
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.dataset.status import StatusLine
from tuiftune.ui.theme import THEME

CHAT = SAMPLES / "ticket-triage-chat.jsonl"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_tokenizer(tmp_path_factory.mktemp("tok") / "tiny-tok", context=300)


def editor(path: Path, model: str | None = None) -> tuple[TuiftuneApp, list[Message]]:
    return TuiftuneApp(Services(backend_label="test"), path, model), []


async def until(pilot: Pilot[None], test: Callable[[], bool], seconds: float = 20.0) -> None:
    async with asyncio.timeout(seconds):
        while not test():
            await pilot.pause(0.02)


async def ready(pilot: Pilot[None]) -> DatasetScreen:
    screen = pilot.app.screen
    assert isinstance(screen, DatasetScreen)
    await until(pilot, lambda: screen.session is not None and screen.session.linter.ready)
    return screen


def status(screen: DatasetScreen) -> str:
    return str(screen.query_one(StatusLine).render())


def test_known_models_come_from_the_one_price_table() -> None:
    names = [m.name for m in known_models()]
    assert names == list(DEFAULT_PRICES)
    mini = next(m for m in known_models() if m.name == "gpt-4o-mini-2024-07-18")
    assert mini.example_limit == 65_536 and mini.price_per_million == 3.0
    assert "65,536 tokens" in mini.label and "$3/1M" in mini.label


def test_an_open_model_gets_its_tokenizer_and_context(tiny: Path, tmp_path: Path) -> None:
    info = check_model(str(tiny))
    assert info.encoding == f"hf:{tiny.resolve()}" and info.example_limit == 300
    with pytest.raises(ModelChoiceError, match=r"no tokenizer\.json there"):
        check_model(str(tmp_path / "nothing-here"))


def test_the_open_model_path_imports_no_torch(tiny: Path) -> None:
    code = (
        "import sys, asyncio\n"
        "from tuiftune.dataset.io import load_document\n"
        "from tuiftune.dataset.linter import Linter\n"
        "from tuiftune.dataset.model_choice import check_model, exact_counts, new_linter\n"
        "import tuiftune.ui.dataset.model_picker\n"
        f"name = {str(tiny)!r}\n"
        f"doc = asyncio.run(load_document({str(CHAT)!r}))\n"
        "check_model(name)\n"
        "linter = new_linter(doc, Linter(doc), name)\n"
        "linter.run()\n"
        "print(exact_counts(doc, name).total)\n"
        "print([m for m in ('torch', 'transformers') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()
    assert int(out[0]) > 0
    assert out[1] == "[]"


async def test_picking_an_open_model_recounts_and_shows_it(tiny: Path) -> None:
    app, seen = editor(CHAT)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        before = session.linter.tokens_of(session.doc.id_at(0))
        await until(pilot, lambda: "model gpt-4o-mini" in status(screen))
        await pilot.press("M")
        await until(pilot, lambda: bool(app.screen.query(OptionList)))
        options = app.screen.query_one(OptionList)
        assert options.option_count == len(DEFAULT_PRICES) + 1
        options.highlighted = options.option_count - 1  # "Open model: ..."
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.screen.query(Input)))
        app.screen.query_one(Input).value = str(tiny)
        await pilot.press("enter")
        await until(
            pilot,
            lambda: session.linter.ready and session.linter.model.encoding.startswith("hf:"),
        )
        await until(pilot, lambda: session.model_note is not None)
        await until(pilot, lambda: "model tiny-tok" in status(screen))
        assert session.linter.model.example_limit == 300
        after = session.linter.tokens_of(session.doc.id_at(0))
        assert after > 0 and after != before
        await pilot.press("s")
        await pilot.pause()
        stats = screen.query_one(RecordDetail).text.plain
        assert "tiny-tok's 300-token limit" in stats
        assert "with tiny-tok's chat template" in stats
        # The progress came in from the lint thread while the file was counted again.
        assert any(type(m).__name__ == "StateChanged" for m in seen)


async def test_escape_stops_a_recount_and_keeps_the_model(tiny: Path, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in CHAT.read_text().splitlines() if line.strip()]
    big = tmp_path / "big.jsonl"
    big.write_text("".join(json.dumps(rows[i % len(rows)]) + "\n" for i in range(6000)))
    app, _ = editor(big)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        old = session.linter
        screen.use_model(str(tiny))
        await until(pilot, lambda: screen._model_cancel is not None)
        await pilot.press("escape")
        await until(pilot, lambda: screen._model_cancel is None)
        assert session.linter is old and old.ready
        await until(pilot, lambda: "model gpt-4o-mini" in status(screen))
        # The cancelled linter no longer follows the document's edits.
        owners = [getattr(f, "__self__", None) for f in session.doc._listeners]
        assert [o for o in owners if isinstance(o, Linter)] == [old]


async def test_the_command_lines_model_is_the_default(tiny: Path) -> None:
    assert build_app_parser().parse_args([str(CHAT), "--model", "x"]).model == "x"
    app, _ = editor(CHAT, "gpt-3.5-turbo-0125")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        await until(pilot, lambda: session.linter.model.name == "gpt-3.5-turbo-0125")
        await until(pilot, lambda: session.linter.ready)
        assert session.linter.model.example_limit == 16_385
        await until(pilot, lambda: "model gpt-3.5-turbo-0125" in status(screen))


def test_warnings_are_yellow_and_errors_red_in_16_colours() -> None:
    warning = Color.parse(THEME.warning).downgrade(ColorSystem.STANDARD).number
    error = Color.parse(THEME.error).downgrade(ColorSystem.STANDARD).number
    assert warning in (3, 11) and error in (1, 9)


async def test_the_app_uses_the_theme() -> None:
    app, _ = editor(CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.theme == THEME.name
        warning = Color.parse(app.get_css_variables()["warning"])
        assert warning.downgrade(ColorSystem.STANDARD).number in (3, 11)


async def test_an_open_model_on_the_command_line_is_used_and_kept(
    tiny: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(CHAT.read_text().splitlines()[0] + "\n")
    app, _ = editor(CHAT, str(tiny))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        session = screen.session
        assert session is not None
        await until(pilot, lambda: session.linter.ready and session.model_note is not None)
        assert session.linter.model.example_limit == 300
        screen.load(other)  # another file: counted with the same open model
        await until(pilot, lambda: screen.session is not session and screen.session is not None)
        new = screen.session
        assert new is not None
        await until(pilot, lambda: new.linter.ready and new.model_note is not None)
        assert new.linter.model.encoding.startswith("hf:")
        await until(pilot, lambda: "model tiny-tok" in status(screen))
