"""The Jobs area's deployments view against the Azure and Together emulators: the cost first,
the tier and capacity asked, waiting to ready with progress (and stopping the wait), each
deployment's extras, delete only after a confirm, the Playground given the deployment's name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from textual.message import Message
from textual.widgets import Input, OptionList

from tests.emulators.azure import ACCOUNT, ARM_TOKEN, DATA_URL, RG, SUB, AzureEmulator
from tests.emulators.together import BASE_URL, TogetherEmulator
from tests.emulators.together_endpoints import MODEL_ID, PROJECT
from tests.providers.cli_helpers import NOW
from tests.ui.jobs_helpers import wait_for
from tuiftune.service.providers.base import Provider
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.jobs.deployments import DeploymentsScreen
from tuiftune.ui.messages import OpenModel
from tuiftune.ui.screens.modals import AskScreen, ConfirmScreen, PickScreen

FT_MODEL = "gpt-4.1-mini-2025-04-14.ft-0a1b2c3d4e"
CKPT = "gpt-4.1-mini-2025-04-14.ft-0a1b2c3d4e:ckpt-step-10"
ARM_OPTIONS = {
    "azure_subscription_id": SUB,
    "azure_resource_group": RG,
    "azure_account": ACCOUNT,
    "arm_endpoint": DATA_URL,
    "azure_token_env": "TEST_ARM_TOKEN",
    "deployment_hourly_usd": "1.70",
}


class GatedSleep:
    """The wait's sleep: each poll waits until the test lets it go."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.calls = 0

    async def __call__(self, seconds: float) -> None:
        self.calls += 1
        await self.go.wait()
        self.go.clear()


def _app(provider: Provider) -> TuiftuneApp:
    services = Services(backend_label="AZURE", provider_factory=lambda: provider, clock=lambda: NOW)
    return TuiftuneApp(services)


async def _opened(provider: Provider) -> Provider:
    return provider


async def test_azure_deploy_wait_prompt_delete(
    build: Callable[..., Provider], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ARM_TOKEN", ARM_TOKEN)
    emu = AzureEmulator(ready_after=2)
    azure = build("azure", emu.app, DATA_URL, options=ARM_OPTIONS)
    app = _app(azure)
    sleep = GatedSleep()
    screen = DeploymentsScreen(lambda: _opened(azure), [FT_MODEL, CKPT], interval=0, sleep=sleep)
    messages: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await app.push_screen(screen)
        await wait_for(pilot, lambda: "No deployments" in _detail(screen), "the empty list")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), "the model pick")
        _pick(app.screen, CKPT)
        await wait_for(pilot, lambda: "tier" in _title(app.screen), "the tier question")
        assert screen.status_line.startswith("standard and globalstandard cost $1.70/hour")
        _pick(app.screen, "globalstandard")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), "the capacity question")
        app.screen.query_one(Input).value = "2"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen) and confirm.question == f"Deploy {CKPT}?"
        assert "$1.70/hour" in confirm.detail and "capacity (units) 2" in confirm.detail
        await pilot.press("y")
        await wait_for(pilot, lambda: sleep.calls == 1, "the first poll")
        assert len(emu.deployments) == 1
        name, made = next(iter(emu.deployments.items()))
        assert made.body["sku"] == {"name": "globalstandard", "capacity": 2}
        assert made.body["properties"]["model"]["name"] == CKPT
        assert "creating after" in screen.status_line
        sleep.go.set()
        await wait_for(pilot, lambda: "is ready" in screen.status_line, "ready")
        assert screen.deployments[name].status == "succeeded"
        assert "globalstandard: $1.70/hour while it exists" in _detail(screen)
        assert "deleted by Azure after 15 idle days" in _detail(screen)
        assert "about $5.10 so far (3.0 h since it was created)" in _detail(screen)

        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "delete confirm")
        await pilot.press("n")  # declined: nothing deleted
        await wait_for(pilot, lambda: app.screen is screen, "back on the view")
        assert name in emu.deployments

        await pilot.press("o")
        await wait_for(pilot, lambda: app.screen is not screen, "the Playground")
        opened = [m.model for m in messages if isinstance(m, OpenModel)]
        assert opened and opened[-1] == name


async def test_waiting_can_be_stopped_and_delete_confirms(
    build: Callable[..., Provider], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ARM_TOKEN", ARM_TOKEN)
    emu = AzureEmulator(ready_after=50)
    azure = build("azure", emu.app, DATA_URL, options=ARM_OPTIONS)
    sleep = GatedSleep()
    screen = DeploymentsScreen(lambda: _opened(azure), [FT_MODEL], interval=0, sleep=sleep)
    async with _app(azure).run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await app.push_screen(screen)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), "the tier question")
        _pick(app.screen, "developertier")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), "the capacity")
        await pilot.press("enter")  # the default capacity
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: sleep.calls == 1, "the wait")
        await pilot.press("c")
        await wait_for(pilot, lambda: "stopped waiting" in screen.status_line, "the wait ended")
        assert "deleted by Azure at 2026-12-02 12:00 UTC" in _detail(screen)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "delete confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: emu.deployments == {}, "the deletion")
        await wait_for(pilot, lambda: "No deployments" in _detail(screen), "the empty list")


async def test_together_shows_the_price_per_minute_before_deploying(
    build: Callable[..., Provider],
) -> None:
    emu = TogetherEmulator()
    together = build("together", emu.app, BASE_URL, options={"project_id": PROJECT})
    screen = DeploymentsScreen(lambda: _opened(together), [MODEL_ID], interval=0)
    async with _app(together).run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await app.push_screen(screen)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), "the hardware")
        assert "$0.0832/minute" in screen.status_line
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == [
            "1xnvidia-h100-80gb: $0.0832/minute",
            "2xnvidia-h100-80gb: $0.1663/minute",
        ]
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.status_line == "nothing deployed", "no deployment")
        assert emu.endpoints.deployments == {}


def _detail(screen: DeploymentsScreen) -> str:
    return str(screen.query_one("#deployment-detail").render())


def _title(screen: object) -> str:
    return getattr(screen, "title_text", "")


def _pick(screen: object, key: str) -> None:
    assert isinstance(screen, PickScreen), screen
    options = screen.query_one(OptionList)
    index = next(i for i in range(options.option_count) if options.get_option_at_index(i).id == key)
    options.highlighted = index
    options.action_select()
