"""Confirm dialogs at 80x24 and 120x40: the whole question (wrapped, a long path included)
and the key hint are inside the dialog and the screen; a detail longer than the screen scrolls
between them instead of pushing the hint off the dialog."""

from __future__ import annotations

import pytest
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label

from tests.ui.jobs_helpers import wait_for
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.screens.modals import ConfirmScreen

PATH = "/home/someone/projects/fine-tuning/datasets/customer-support-2026/train.jsonl"
QUESTION = f"Replace {PATH} and {PATH.replace('train', 'valid')}?"
SHORT = "Both files exist (like the CLI's --force)."
LONG = "\n".join(f"line {i}: deployment costs $1.70 an hour, deleted after 24 h" for i in range(40))


def text_of(label: Label) -> str:
    return str(label.render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("detail", [SHORT, LONG], ids=["short", "long"])
async def test_question_and_keys_are_whole_and_inside(size: tuple[int, int], detail: str) -> None:
    app = TuiftuneApp(Services("TEST"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.push_screen(ConfirmScreen(QUESTION, detail))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        await pilot.pause(0.2)
        dialog = app.screen.query_one(Vertical)
        screen = app.screen.region
        assert screen.contains_region(dialog.region), (dialog.region, screen)
        inside = dialog.content_region
        title = app.screen.query_one(".dialog-title", Label)
        keys = app.screen.query_one(".confirm-keys", Label)
        for label in (title, keys):
            assert inside.contains_region(label.region), (text_of(label), label.region, inside)
        # Wrapped, not cut: every character of the question is in the label's lines.
        lines = title.render_lines(title.region.reset_offset)
        shown = "".join(strip.text for strip in lines).replace(" ", "")
        assert shown == QUESTION.replace(" ", "")
        assert "y / enter: yes" in text_of(keys)
        scroll = app.screen.query_one(VerticalScroll)
        assert inside.contains_region(scroll.region)
        if detail is LONG:
            assert scroll.max_scroll_y > 0  # the rest of the detail is a scroll away
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the close")
