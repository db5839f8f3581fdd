"""The profile picker (f6 or the palette) lists every profile with its provider and every
registered provider without one; choosing a profile reconnects the app to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from tests.ui.jobs_helpers import wait_for
from tuiftune.config import ProfileConfig, set_profile
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.screens.modals import PickScreen


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(path))
    monkeypatch.setenv("TOGETHER_TEST_KEY", "tgp_0123456789abcdef")
    monkeypatch.setenv("TUIFTUNE_SANDBOX_DIR", str(tmp_path / "sandbox"))
    set_profile(
        "tg",
        ProfileConfig(
            provider="together", api_key_env="TOGETHER_TEST_KEY", options={"project_id": "p"}
        ),
        path=path,
    )
    return path


def _rows(screen: object) -> dict[str, str]:
    assert isinstance(screen, PickScreen)
    options = screen.query_one(OptionList)
    found = (options.get_option_at_index(i) for i in range(options.option_count))
    return {str(o.id): str(o.prompt) for o in found}


def _choose(screen: object, key: str) -> None:
    assert isinstance(screen, PickScreen)
    options = screen.query_one(OptionList)
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    options.highlighted = ids.index(key)
    options.action_select()


async def test_every_provider_is_listed_and_a_profile_is_switched_to(config: Path) -> None:
    app = TuiftuneApp(Services(sandbox=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.sub_title == "SANDBOX", "the sandbox label")
        await pilot.press("f3")  # the Jobs area on the sandbox
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), "the picker")
        rows = _rows(app.screen)
        assert rows["tg"] == "  tg: together (default URL)"
        assert rows["sandbox:"] == "● sandbox: the local simulated server"
        for provider in ("openai", "azure", "fireworks", "nebius"):
            assert rows[f"new-provider:{provider}"].startswith(f"  {provider}: no profile yet")
        assert "new-provider:together" not in rows
        _choose(app.screen, "new-provider:fireworks")
        await wait_for(pilot, lambda: not isinstance(app.screen, PickScreen), "closed")
        assert app.services.profile_name is None  # nothing switched

        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), "the picker again")
        _choose(app.screen, "tg")
        await wait_for(pilot, lambda: app.sub_title == "TOGETHER", "the new provider's label")
        assert app.services.profile_name == "tg" and not app.services.sandbox
        assert app.current_mode == "dataset"  # the areas with a provider reconnect when opened
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), "the picker, switched")
        assert _rows(app.screen)["tg"] == "● tg: together (default URL)"
