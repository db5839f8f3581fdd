"""``Services``: what the app and every command talk to, built by ``tuiftune.wiring``.

It holds how to reach the provider, never a connection made at import time: the profile is
resolved on first use (after the app's first paint), and each ``open_provider()`` gives the
caller a ``Provider`` of its own to close. Tests build one directly with a factory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuiftune.config import ResolvedProfile
    from tuiftune.service.client import SdkClient
    from tuiftune.service.providers.base import Provider

# The config and provider modules (pydantic, the SDK) load on first use, after the first paint.
ProviderFactory = Callable[[], "Provider"]
Connect = Callable[["ResolvedProfile"], "Provider"]
ClientFactory = Callable[[], "SdkClient"]


@dataclass
class Services:
    """How to reach the provider. ``connect`` (set by the wiring) builds a provider for a
    profile; ``provider_factory`` (tests) skips the profile altogether."""

    backend_label: str | None = None
    profile: ResolvedProfile | None = None
    profile_name: str | None = None
    sandbox: bool = False
    provider_factory: ProviderFactory | None = None
    connect: Connect | None = None
    jobs_client_factory: ClientFactory | None = None
    """Older hook: an SDK client for jobs and files (wrapped in the OpenAI provider)."""
    inference_client_factory: ClientFactory | None = None
    """Older hook: an SDK client for chat/completions."""
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    """How the commands' watchers wait between polls (tests: one that moves a manual clock)."""
    clock: Callable[[], float] = time.time
    """What the commands take for now (retirement badges, the wind-down notice; tests freeze it)."""

    def resolve(self) -> ResolvedProfile:
        """Resolve the profile now (config file, environment); blocking, so call it in a
        thread from the app. Raises ``ConfigError``."""
        if self.profile is None:
            from tuiftune.config import resolve_profile

            self.profile = resolve_profile(self.profile_name, sandbox=self.sandbox)
        return self.profile

    async def open_provider(self) -> Provider:
        """A provider for the caller to close (``async with await services.open_provider()``)."""
        if self.provider_factory is not None:
            return self.provider_factory()
        if self.jobs_client_factory is not None or self.inference_client_factory is not None:
            from tuiftune.service.providers.openai import from_clients

            jobs = self.jobs_client_factory or self.inference_client_factory
            assert jobs is not None
            client = jobs()
            inference = self.inference_client_factory() if self.inference_client_factory else None
            return from_clients(client, inference, label=self.backend_label or "OPENAI")
        profile = self.profile
        if profile is None:
            profile = await asyncio.to_thread(self.resolve)
        if self.connect is None:
            from tuiftune.service.providers.registry import ProviderRegistry

            return ProviderRegistry().create(profile)
        return self.connect(profile)
