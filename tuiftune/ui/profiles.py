"""The profile picker: every profile of the config file with the provider it names, and every
registered provider (OpenAI, Azure, Together, Fireworks, Nebius, plug-ins) that has no profile
yet, with the command that adds one. Choosing a profile reconnects the app to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import App
from textual.screen import Screen

from tuiftune.textfmt import clean

if TYPE_CHECKING:
    from tuiftune.service.services import Services

NEW = "new-provider:"
"""Key prefix of a provider with no profile (choosing it says how to add one)."""
SANDBOX = "sandbox:"
PROVIDER_AREAS = ("jobs", "playground", "eval")
"""The areas that hold a provider: rebuilt on a switch, they reconnect when next opened."""


def profile_choices(current: str | None, *, sandbox: bool = False) -> list[tuple[str, str]]:
    """(key, label) per profile, then the sandbox, then each provider without a profile; reads
    the config file (blocking: call it in a thread)."""
    from tuiftune.config import load_config
    from tuiftune.service.providers.registry import ProviderRegistry

    config = load_config()
    rows: list[tuple[str, str]] = []
    used: set[str] = set()
    for name, prof in config.profiles.items():
        provider = prof.provider or "openai"
        used.add(provider)
        where = prof.base_url or "default URL"
        # The kind says something only on the openai provider (OpenAI, Azure, compatible).
        kind = f"{prof.kind.value}, " if provider == "openai" or prof.kind.value != "openai" else ""
        mark = "● " if name == current and not sandbox else "  "
        rows.append((name, clean(f"{mark}{name}: {provider} ({kind}{where})")))
    mark = "● " if sandbox else "  "
    rows.append((SANDBOX, f"{mark}sandbox: the local simulated server"))
    for provider in ProviderRegistry().names():
        if provider not in used:
            rows.append(
                (NEW + provider, clean(f"  {provider}: no profile yet (enter: how to add)"))
            )
    return rows


def add_hint(provider: str) -> str:
    """The command that adds a profile for ``provider``."""
    return f"tuiftune config set-profile NAME --provider {provider} (then choose it here)"


def switch_profile(
    app: App[None], services: Services, name: str | None, *, sandbox: bool = False
) -> None:
    """Point ``services`` at another profile and rebuild the areas that hold a provider (the
    current one is left for the Dataset area first); they reconnect when opened."""
    services.profile_name, services.sandbox = name, sandbox
    services.profile, services.backend_label = None, None
    services.provider_factory = None
    services.jobs_client_factory = services.inference_client_factory = None
    if app.current_mode in PROVIDER_AREAS:
        app.switch_mode("dataset")
    modes: dict[str, str | Callable[[], Screen[None]]] = getattr(app, "MODES", {})
    for mode in PROVIDER_AREAS:
        factory = modes.get(mode)
        if factory is None:
            continue
        app.remove_mode(mode)
        app.add_mode(mode, factory)


async def pick_and_switch(app: App[None], services: Services) -> bool:
    """Show the picker; switch to the chosen profile. True when the app switched."""
    import asyncio

    from tuiftune.config import ConfigError
    from tuiftune.ui.screens.modals import PickScreen

    current = services.profile.name if services.profile is not None else services.profile_name
    try:
        rows = await asyncio.to_thread(profile_choices, current, sandbox=services.sandbox)
    except ConfigError as exc:
        app.notify(f"config error: {exc}", severity="error", markup=False)
        return False
    choice = await app.push_screen_wait(PickScreen("Profile (each names its provider)", rows))
    if choice is None:
        return False
    if choice.startswith(NEW):
        hint = add_hint(choice.removeprefix(NEW))
        app.notify(hint, title="No profile yet", markup=False, timeout=20)
        return False
    sandbox = choice == SANDBOX
    switch_profile(app, services, None if sandbox else choice, sandbox=sandbox)
    return True
