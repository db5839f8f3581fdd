"""Fixtures for the hosted providers: their official SDKs, emulators, and providers built the
way the app builds them (a profile in the config file -> the registry -> the factory)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.sdks import require_sdks
from tuiftune.config import ProfileConfig, resolve_profile, set_profile
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.registry import ProviderOptions, ProviderRegistry

KEY_ENV = "TUIFTUNE_TEST_PROVIDER_KEY"
KEY = "tgp_test_0123456789abcdef0123456789"


@pytest.fixture(scope="session", autouse=True)
def official_sdks() -> None:
    """The SDKs whose models the emulators check against (skips when they cannot be had)."""
    require_sdks()


@pytest.fixture
def profile_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """Write a profile for ``provider`` into a private config file and resolve it."""
    config = tmp_path / "config.toml"
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(config))
    monkeypatch.setenv(KEY_ENV, KEY)

    def make(provider: str, base_url: str = "", **fields: Any) -> Any:
        settings: dict[str, Any] = {"api_key_env": KEY_ENV, **fields}
        prof = ProfileConfig(provider=provider, base_url=base_url, **settings)
        set_profile(provider, prof, path=config)
        return resolve_profile(provider, path=config, env={KEY_ENV: KEY})

    yield make


@pytest.fixture
async def build(
    profile_for: Callable[..., Any],
) -> AsyncIterator[Callable[..., Provider]]:
    """Build a provider from a profile, its HTTP going into an emulator app; closed after."""
    from tests.emulators.base import provider_client

    made: list[Any] = []

    def make(provider: str, app: Any, base_url: str, **fields: Any) -> Provider:
        client = provider_client(app, base_url)
        made.append(client)
        profile = profile_for(provider, base_url, **fields)
        options = ProviderOptions(http_client=client, max_retries=0)
        built = ProviderRegistry(use_entry_points=False).create(profile, options)
        made.append(built)
        return built

    yield make
    for item in reversed(made):
        await item.aclose()
