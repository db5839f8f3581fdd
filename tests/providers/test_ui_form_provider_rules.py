"""The Jobs form on Together: its lint adds Together's rules with the model's own limits from
``/fine-tunes/models/limits`` (the emulator's model trains on no images)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from tests.emulators.together import BASE_URL, TogetherEmulator
from tests.ui.jobs_helpers import wait_for
from tuiftune.service.providers.base import Provider
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.jobs.create_form import CreateJobScreen

MODEL = "meta-llama/Llama-3.2-3B-Instruct"


async def test_the_form_lint_names_togethers_rule(
    build: Callable[..., Provider], tmp_path: Path
) -> None:
    together = build("together", TogetherEmulator().app, BASE_URL)
    path = tmp_path / "train.jsonl"
    image = [{"type": "image_url", "image_url": {"url": "data:,"}}]
    rows: list[dict[str, Any]] = [
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
        for i in range(12)
    ]
    rows.append(
        {"messages": [{"role": "user", "content": image}, {"role": "assistant", "content": "a"}]}
    )
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    app = TuiftuneApp(Services(backend_label="TOGETHER", provider_factory=lambda: together))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        form.query_one("#training", Input).value = str(path)
        form.query_one("#model", Input).value = MODEL
        await pilot.press("ctrl+l")

        def shown() -> str:
            return str(form.query_one("#lint-result", Static).render())

        await wait_for(pilot, lambda: "together.images" in shown(), "Together's rule")
        assert "line 13 [together.images] together does not train on images" in shown()
        assert form.report is not None and form.report.errors >= 1
