"""A model opened from the Jobs area (``o``) lands in the Playground, and the Playground's own
keys still work after it: ctrl+o offers the models to choose from, also while the server (busy
training) is slow to list them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.ui.sandbox_support import Sandbox, make_sandbox, until
from tuiftune.service.catalog import Catalog, load_catalog
from tuiftune.service.providers.base import Provider
from tuiftune.ui.jobs.job_detail import JobDetail
from tuiftune.ui.jobs.screen import JobsScreen
from tuiftune.ui.playground.screen import PlaygroundScreen
from tuiftune.ui.screens.modals import PickScreen


@pytest.fixture
async def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.chdir(tmp_path)
    return await make_sandbox(tmp_path)


@pytest.mark.parametrize("visited", [False, True], ids=["first-visit", "visited-before"])
@pytest.mark.parametrize("checkpoint", [False, True], ids=["final", "checkpoint"])
async def test_ctrl_o_opens_the_picker_after_a_model_came_from_the_jobs_area(
    sandbox: Sandbox, visited: bool, checkpoint: bool
) -> None:
    app = sandbox.app()
    async with app.run_test(size=(80, 24)) as pilot:
        if visited:
            await pilot.press("f4")
            first = app.screen
            assert isinstance(first, PlaygroundScreen)
            await until(pilot, lambda: len(first.panes()) == 2, "the default models")
        await pilot.press("f3")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await until(pilot, lambda: jobs.selected is not None, "a selected job")
        await until(
            pilot,
            lambda: bool(jobs.selected and jobs.jobs[jobs.selected].fine_tuned_model),
            "the job's model",
        )
        wanted = sandbox.tuned
        if checkpoint:
            detail = jobs.query_one(JobDetail)
            detail.active = "checkpoints"
            table = detail.query_one("#ckpt-table", DataTable)
            await until(pilot, lambda: table.row_count > 0, "the checkpoints")
            await until(pilot, lambda: detail.highlighted_checkpoint() is not None, "a row")
            wanted = str(detail.highlighted_checkpoint())
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PlaygroundScreen), "the Playground")
        playground = app.screen
        assert isinstance(playground, PlaygroundScreen)
        await until(
            pilot,
            lambda: bool(playground.slots) and playground.slots[0].id == wanted,
            "the opened model in slot A",
        )
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the model picker")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is playground, "back in the Playground")
        # And again, once the first choice was given up.
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the picker again")


async def test_ctrl_o_offers_the_last_list_while_the_server_is_slow_to_list(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server busy training (the job just opened from the Jobs area) answers the model list
    slowly: ctrl+o opens the picker on the list already known instead of waiting for it."""
    import tuiftune.ui.model_catalog as model_catalog

    app = sandbox.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        playground = app.screen
        assert isinstance(playground, PlaygroundScreen)
        await until(pilot, lambda: len(playground.panes()) == 2, "the default models")
        known = [m.id for m in playground.models]
        released = asyncio.Event()

        async def slow(provider: Provider) -> Catalog:
            await released.wait()
            return await load_catalog(provider)

        monkeypatch.setattr(model_catalog, "load_catalog", slow)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the model picker")
        assert sandbox.tuned in known
        released.set()
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is playground, "back in the Playground")
