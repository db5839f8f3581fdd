"""Providers by name: a profile's ``provider`` picks the factory that builds its ``Provider``.

Adding a provider is one module with a factory and one line in ``BUILTIN``; a package outside
tuiftune can add one through an entry point in the ``tuiftune.providers`` group (Harlequin's
adapter pattern). Factories are imported only when their provider is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, cast

from tuiftune.config import ConfigError

if TYPE_CHECKING:
    import httpx2

    from tuiftune.config import ResolvedProfile
    from tuiftune.service.providers.base import Provider

ENTRY_POINT_GROUP = "tuiftune.providers"

BUILTIN: Mapping[str, str] = {
    # name -> "module:factory"; one line per provider.
    "openai": "tuiftune.service.providers.openai:create_provider",
    "together": "tuiftune.service.providers.together:create_provider",
    "azure": "tuiftune.service.providers.azure_provider:create_provider",
    "fireworks": "tuiftune.service.providers.fireworks:create_provider",
    "nebius": "tuiftune.service.providers.nebius:create_provider",
}


@dataclass(frozen=True)
class ProviderOptions:
    """How the composition root wants the provider's connections made."""

    http_client: httpx2.AsyncClient | None = None
    """Send every request through this client (the in-process sandbox, a test transport)."""
    base_url: str | None = None
    """Overrides the profile's base URL (the sandbox's in-process URL)."""
    timeout: float | None = None
    max_retries: int = 2
    label: str | None = None
    """Overrides the provider's own label for the header."""


ProviderFactory = Callable[["ResolvedProfile", ProviderOptions], "Provider"]


def _load(spec: str) -> ProviderFactory:
    module, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"provider factory {spec!r} cannot be loaded: {exc}") from exc
    return cast(ProviderFactory, factory)


class ProviderRegistry:
    """Factories by name: the built-in table, installed entry points, and any registered."""

    def __init__(
        self,
        factories: Mapping[str, ProviderFactory | str] | None = None,
        *,
        use_entry_points: bool = True,
    ) -> None:
        self._specs: dict[str, ProviderFactory | str] = dict(BUILTIN)
        if use_entry_points:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                self._specs.setdefault(ep.name, ep.value)
        self._specs.update(factories or {})

    def register(self, name: str, factory: ProviderFactory | str) -> None:
        """Add (or replace) a provider: a factory, or ``"module:factory"`` loaded on use."""
        self._specs[name] = factory

    def names(self) -> list[str]:
        """Every known provider name."""
        return sorted(self._specs)

    def factory(self, name: str) -> ProviderFactory:
        """The factory of ``name``; a ``ConfigError`` naming the known ones otherwise."""
        spec = self._specs.get(name)
        if spec is None:
            known = ", ".join(self.names())
            raise ConfigError(f"unknown provider {name!r} (known: {known})")
        return _load(spec) if isinstance(spec, str) else spec

    def create(self, profile: ResolvedProfile, options: ProviderOptions | None = None) -> Provider:
        """Build the provider that serves ``profile``."""
        return self.factory(profile.provider)(profile, options or ProviderOptions())
