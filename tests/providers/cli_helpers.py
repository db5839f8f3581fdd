"""Running ``tuiftune jobs ...`` in process on a provider built from a profile whose HTTP goes
into an emulator app (a fresh provider per command, as the CLI makes one)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.emulators.base import provider_client
from tuiftune.cli import build_parser
from tuiftune.commands import jobs as jobs_cmd
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.registry import ProviderOptions, ProviderRegistry
from tuiftune.service.services import Services

Run = Callable[[list[str]], int]
NOW = datetime(2026, 12, 1, 15, tzinfo=UTC).timestamp()
"""The commands' clock: 3 h after the Azure emulator's deployments were created."""


async def no_sleep(seconds: float) -> None:
    """The deployments' wait without waiting."""
    return None


def runner(profile: Any, app: Any, base_url: str) -> Run:
    """``run(["deployments", "list"])`` -> the exit code of ``tuiftune jobs deployments list``."""

    def factory() -> Provider:
        options = ProviderOptions(http_client=provider_client(app, base_url), max_retries=0)
        return ProviderRegistry(use_entry_points=False).create(profile, options)

    def run(argv: list[str]) -> int:
        args = build_parser().parse_args(["jobs", *argv])
        code: int = jobs_cmd.run(
            args, Services(provider_factory=factory, sleep=no_sleep, clock=lambda: NOW)
        )
        return code

    return run
