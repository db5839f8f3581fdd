"""At 80x24 the create form's fields are taller than the screen: its footer still names ctrl+s
(create) and the other keys, and the lint result (docked under the fields) stays in sight,
so a job can be created without scrolling to the end of the form."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey

from tests.server.helpers import chat_rows, jsonl
from tests.ui.jobs_helpers import wait_for
from tuiftune.ui.jobs.create_form import CreateJobScreen, CreateSpec


class FormApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[CreateSpec | None] = []

    def on_mount(self) -> None:
        self.push_screen(CreateJobScreen(), self.results.append)


async def test_ctrl_s_is_in_the_footer_and_creates_at_80x24(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_bytes(jsonl(chat_rows(12)))
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        await wait_for(pilot, lambda: bool(form.query(FooterKey)), "the footer's keys")
        keys = {k.key: k for k in form.query(FooterKey) if k.display}
        assert {"ctrl+s", "ctrl+l", "ctrl+u", "escape"} <= set(keys), list(keys)
        for key in keys.values():
            assert key.region.width > 0 and key.region.right <= 80, (key.key, key.region)
            assert key.region.y == 23  # the last row, under the form
        result = form.query_one("#lint-result", Static)
        assert result.region.y > 0 and result.region.bottom <= 23  # above the footer
        assert "ctrl+s" in str(result.render())

        form.query_one("#training", Input).value = str(train)
        await pilot.press("ctrl+s")  # the focus is still in the training field
        await wait_for(pilot, lambda: form.report is not None, "the lint")
        await wait_for(
            pilot, lambda: "billed tokens" in str(result.render()), "the lint result shown"
        )
        await pilot.pause()
        assert result.region.y > 0 and result.region.bottom <= 23, result.region
        assert app.focused is form.query_one("#training", Input)

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(app.results), "the form's answer")
    spec = app.results[0]
    assert spec is not None and spec.training_path == train
