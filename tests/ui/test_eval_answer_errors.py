"""The Eval screen where the endpoint's answers are errors (a login page with 200 through the
non-JSON guard, as ``tuiftune eval`` is tested): every answer an error is a failed run (a red
line with the count and the first error, no scores, a failed status); some of them keep the
verdict with a warning line under it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
from textual.pilot import Pilot

from tests.conftest import SAMPLES
from tests.fakes.login_proxy import ANSWER, LOGIN, proxy_provider
from tests.ui.sandbox_support import run_to_the_end, until
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.eval.screen import EvalScreen
from tuiftune.ui.screens.modals import AskScreen

TEST_SET = SAMPLES / "ticket-triage-test.jsonl"
EXAMPLES = 30
MODEL = str(ANSWER["model"])
FIRST = (
    "the first: proxy.invalid answered POST /v1/chat/completions with 200 and a body that "
    "is not JSON (text/html: <html>log in</html>)"
)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the results file lands in tmp_path


def proxy_app(chat: Callable[[], httpx2.Response]) -> TuiftuneApp:
    """The app on a proxy that answers chat with ``chat()`` and lists nothing else."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/chat/completions"):
            return chat()
        return httpx2.Response(200, json={"object": "list", "data": [], "has_more": False})

    return TuiftuneApp(Services("PROXY", provider_factory=lambda: proxy_provider(handler)))


async def run_eval(pilot: Pilot[None]) -> EvalScreen:
    """Open the test set, choose the model, run, and wait for the summary of the run."""
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(pilot.app.screen, EvalScreen), "the Eval screen")
    screen = pilot.app.screen
    assert isinstance(screen, EvalScreen)
    await pilot.press("o")
    await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen), "the path dialog")
    pilot.app.screen.query_one("Input").value = str(TEST_SET)  # type: ignore[attr-defined]
    await pilot.press("enter")
    await until(pilot, lambda: screen.test_set is not None, "the linted test set")
    screen.models = [MODEL]
    await run_to_the_end(pilot, screen)
    return screen


async def test_every_answer_an_error_is_a_failed_run_with_the_first_error() -> None:
    app = proxy_app(lambda: LOGIN)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await run_eval(pilot)
        assert len(screen.results) == EXAMPLES and all(r.error for r in screen.results)
        line = screen.query_one("#ev-verdict")
        shown = str(line.render())
        assert shown.startswith(
            f"every request failed ({EXAMPLES} of {EXAMPLES} answers are errors); {FIRST}"
        )
        assert line.has_class("-failed")
        assert "em_norm" not in shown and f"{MODEL}: " not in shown  # no scores of zeros
        status = str(screen.query_one("#ev-status").render())
        assert status == f"failed: all {EXAMPLES} answers are errors"
        assert [n.title for n in app._notifications] == ["Eval failed"]
        await pilot.press("s")  # the summary view says the same, not a table of zeros
        body = str(screen.query_one("#ev-summary-body").render())
        assert body.startswith("every request failed") and "em_norm" not in body


async def test_some_answers_errors_keep_the_verdict_and_warn() -> None:
    asked: list[int] = []

    def sometimes() -> httpx2.Response:
        asked.append(1)
        return LOGIN if len(asked) <= 3 else httpx2.Response(200, json=ANSWER)

    app = proxy_app(sometimes)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await run_eval(pilot)
        line = screen.query_one("#ev-verdict")
        first, warning = str(line.render()).split("\n")
        assert first.startswith(f"{MODEL}: ")  # the scores, as without errors
        assert warning.startswith(f"warning: 3 of {EXAMPLES} answers are errors; {FIRST}")
        assert not line.has_class("-failed")
        assert str(screen.query_one("#ev-status").render()) == "complete"
