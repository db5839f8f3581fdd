"""At 80x24 every area's footer (and the Jobs area's deployments and checkpoint matrix views)
fits: its keys end inside the screen, and the area keys (F1-F5) and the quit key (ctrl+q) are
among them. The other keys stay in F1 and the palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from tests.ui.jobs_helpers import wait_for
from tuiftune.server import ServerOptions
from tuiftune.service.providers.base import Provider
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.jobs.deployments import DeploymentsScreen
from tuiftune.wiring import sandbox_provider

AREA_KEYS = {"f1", "f2", "f3", "f4", "f5", "ctrl+q"}


@pytest.mark.parametrize(
    ("key", "mode"), [("f2", "dataset"), ("f3", "jobs"), ("f4", "playground"), ("f5", "eval")]
)
async def test_each_footer_fits_at_80_columns(key: str, mode: str) -> None:
    app = TuiftuneApp(Services("TEST"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await wait_for(pilot, lambda: app.current_mode == mode, f"the {mode} area")
        await pilot.pause(0.2)

        await footer_fits(pilot)


async def footer_fits(pilot: Pilot[None]) -> None:
    """Every key of the screen's footer ends inside 80 columns; F1-F5 and ctrl+q are there."""
    app = pilot.app

    def shown() -> list[FooterKey]:
        return [k for k in app.screen.query(FooterKey) if k.display]

    await wait_for(pilot, lambda: bool(shown()), "the footer's keys")
    keys = shown()
    assert {k.key for k in keys} >= AREA_KEYS, [k.key for k in keys]
    for footer_key in keys:
        region = footer_key.region
        assert region.width > 0 and region.right <= 80, (footer_key.key, region)
    palette_entries = [k for k in keys if k.action == "app.command_palette"]
    assert not palette_entries  # ctrl+p is named in F1 instead of cut at the edge


async def test_the_deployments_footer_fits_at_80_columns() -> None:
    provider = sandbox_provider(ServerOptions())

    async def opened() -> Provider:
        return provider

    app = TuiftuneApp(Services("TEST"))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f3")
            await wait_for(pilot, lambda: app.current_mode == "jobs", "the jobs area")
            await app.push_screen(DeploymentsScreen(opened, interval=0))
            await pilot.pause(0.2)
            await footer_fits(pilot)
    finally:
        await provider.aclose()


async def test_the_checkpoint_matrix_footer_fits_at_80_columns(tmp_path: Path) -> None:
    from tuiftune.ui.charts.matrix_screen import MatrixScreen

    provider = sandbox_provider(ServerOptions())

    async def opened() -> Provider:
        return provider

    app = TuiftuneApp(Services("TEST"))
    test, out = tmp_path / "test.jsonl", tmp_path / "test.ftjob-x.results.jsonl"
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f3")
            await wait_for(pilot, lambda: app.current_mode == "jobs", "the jobs area")
            await app.push_screen(MatrixScreen(opened, "ftjob-x", test, out))
            await pilot.pause(0.2)
            await footer_fits(pilot)
    finally:
        await provider.aclose()
