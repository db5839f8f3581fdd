"""The catalog fetch both model-offering screens use: the sandbox's models, or (when the
provider cannot list them) one error notice and None, so the screen keeps the list it had."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.ui.sandbox_support import make_sandbox
from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import Provider
from tuiftune.service.services import Services
from tuiftune.ui.model_catalog import fetch_catalog


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(id="host")


async def test_the_sandbox_catalog_holds_the_tuned_model(tmp_path: Path) -> None:
    sandbox = await make_sandbox(tmp_path)
    services = Services(
        "SANDBOX", jobs_client_factory=sandbox.client, inference_client_factory=sandbox.client
    )
    app = _Host()
    async with app.run_test():
        models = await fetch_catalog(app.query_one("#host", Static), services.open_provider)
    assert models is not None and sandbox.tuned in [m.id for m in models]


async def test_a_provider_that_cannot_list_is_one_error_notice() -> None:
    async def refused() -> Provider:
        raise ServiceError("401 Unauthorized: bad key <b>", status=401)

    app = _Host()
    async with app.run_test() as pilot:
        assert await fetch_catalog(app.query_one("#host", Static), refused) is None
        await pilot.pause()
        notes = list(app._notifications)
    assert [(n.severity, n.message) for n in notes] == [
        ("error", "cannot list models: 401 Unauthorized: bad key <b>")
    ]
    assert notes[0].markup is False
