"""Pilot tests of eval mode: base vs fine-tuned on the held-out ticket set, in the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.conftest import SAMPLES
from tests.ui.sandbox_support import BASE, Sandbox, make_sandbox, until
from tuiftune.evaluation import parse_results
from tuiftune.ui.eval.example import ExampleScreen
from tuiftune.ui.eval.screen import EvalScreen
from tuiftune.ui.eval.views import word_diff
from tuiftune.ui.screens.modals import AskScreen, PickScreen

TEST_SET = SAMPLES / "ticket-triage-test.jsonl"


@pytest.fixture
async def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.chdir(tmp_path)  # results and exports land in tmp_path
    return await make_sandbox(tmp_path)


async def open_eval(pilot: Pilot[None], sandbox: Sandbox) -> EvalScreen:
    await pilot.press("f5")
    screen = pilot.app.screen
    assert isinstance(screen, EvalScreen)
    await until(pilot, lambda: len(screen.models) == 2, "the default models")
    assert screen.models == [BASE, sandbox.tuned]
    await pilot.press("o")
    await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the path dialog")
    pilot.app.screen.query_one("Input").value = str(TEST_SET)  # type: ignore[attr-defined]
    await pilot.press("enter")
    await until(pilot, lambda: screen.test_set is not None, "the linted test set")
    return screen


async def run(pilot: Pilot[None], screen: EvalScreen, key: str = "r") -> None:
    before = screen.summary  # every run ends with a new summary read from the results file
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the results path")
    await pilot.press("enter")
    await until(pilot, lambda: not screen.running and screen.summary is not before, "the run")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def table(screen: EvalScreen) -> DataTable[Text]:
    return screen.query_one("#ev-table", DataTable)


async def test_fine_tuned_beats_base_with_a_p_value(sandbox: Sandbox, tmp_path: Path) -> None:
    async with sandbox.app().run_test(size=(120, 40)) as pilot:
        screen = await open_eval(pilot, sandbox)
        assert screen.test_set is not None and len(screen.test_set.examples) == 30
        await run(pilot, screen)
        summary = screen.summary
        assert summary is not None and summary.comparison is not None
        em = summary.comparison.metric("em_norm")
        assert em is not None and em.mean_b > em.mean_a + 0.6 and em.p_value < 1e-4
        verdict = str(screen.query_one("#ev-verdict").render())
        assert "B better" in verdict and "p=" in verdict
        assert table(screen).row_count == 30
        # Every result is on disk, one line per (example, model).
        results = parse_results((tmp_path / "ticket-triage-test.results.jsonl").read_bytes())
        assert len(results.results) == 60
        # Failures of B only, then of any model (the base model fails them all).
        await pilot.press("f")
        fails_b = table(screen).row_count
        assert 0 < fails_b == sum(1 for r in screen.rows if r.failed("last")) < 30
        await pilot.press("f")
        assert table(screen).row_count == 30
        await pilot.press("f", "f")
        # Open the first failure of B: prompt, reference, outputs and a diff.
        table(screen).focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, ExampleScreen), "the example")
        body = str(pilot.app.screen.query_one("#example-text").render())
        assert "Reference" in body and "diff against the reference" in body and "[-" in body
        await pilot.press("escape")
        # The summary view has the comparison and per-class tables.
        await pilot.press("s")
        summary_text = str(screen.query_one("#ev-summary-body").render())
        assert "mcnemar-exact" in summary_text or screen.query_one("#ev-summary").display


async def test_exports_write_csv_json_and_markdown(sandbox: Sandbox, tmp_path: Path) -> None:
    async with sandbox.app().run_test(size=(80, 24)) as pilot:
        screen = await open_eval(pilot, sandbox)
        await run(pilot, screen)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(pilot.app.screen, PickScreen), "the formats")
        await pilot.press("enter")  # all three
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the path")
        await pilot.press("enter")
        stem = tmp_path / "ticket-triage-test.results"
        await until(pilot, lambda: Path(f"{stem}.md").exists(), "the exports")
        await pilot.app.workers.wait_for_complete()
    rows = Path(f"{stem}.csv").read_text().splitlines()
    assert len(rows) == 61 and rows[0].startswith("index,line,model")
    doc = json.loads(Path(f"{stem}.json").read_text())
    assert doc["summary"]["comparison"]["model_b"] == sandbox.tuned
    assert len(doc["results"]) == 60
    assert "p-value" in Path(f"{stem}.md").read_text()


async def test_cancel_then_resume_finishes_without_redoing(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.options.latency_ms = 200  # slow enough to cancel mid-run
    async with sandbox.app().run_test(size=(80, 24)) as pilot:
        screen = await open_eval(pilot, sandbox)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the path")
        await pilot.press("enter")
        out = tmp_path / "ticket-triage-test.results.jsonl"
        await until(pilot, lambda: out.exists() and out.read_text().count("\n") >= 4, "results")
        await pilot.press("x")
        await until(pilot, lambda: not screen.running and screen.summary is not None, "cancel")
        await pilot.app.workers.wait_for_complete()
        kept = len(parse_results(out.read_bytes()).results)
        assert 4 <= kept < 60
        assert "cancelled" in str(screen.query_one("#ev-status").render())
        # Run again without resume: refused, the file is kept.
        await run(pilot, screen)
        assert "resume" in str(screen.query_one("#ev-status").render())
        sandbox.options.latency_ms = 0
        await run(pilot, screen, "R")
        parsed = parse_results(out.read_bytes())
        assert len(parsed.results) == 60 and parsed.duplicates == 0
        assert str(screen.query_one("#ev-status").render()) == "complete"


async def test_help_describes_the_keys(sandbox: Sandbox) -> None:
    async with sandbox.app().run_test(size=(80, 24)) as pilot:
        await open_eval(pilot, sandbox)
        await pilot.press("f1")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "HelpScreen"


def test_word_diff_marks_missing_and_extra_words() -> None:
    diff = word_diff("the parcel is late", "the parcel arrived late today")
    assert diff.plain == "the parcel [-is-] {+arrived+} late {+today+} "
    assert word_diff("[bold]x", "[bold]x").plain == "[bold]x "
