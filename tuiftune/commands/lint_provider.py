"""``tuiftune lint --profile P``: the rules of the profile's provider with what that provider
says of ``--model`` itself (Together's ``/fine-tunes/models/limits``), fetched once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tuiftune.dataset.provider_rules import ProviderLimits
    from tuiftune.service.services import Services


class ProfileAction(argparse.Action):
    """``--profile P``: remember it and have the dispatcher hand the command its Services."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        namespace.needs_services = True


async def profile_limits(services: Services, model: str | None) -> ProviderLimits | None:
    """The connected provider's rules for ``model`` (None where it has none of its own: a
    compatible server, the sandbox). Raises ConfigError or ServiceError."""
    from tuiftune.service.provider_lint import provider_limits

    provider = await services.open_provider()
    try:
        return await provider_limits(provider, model or "")
    finally:
        await provider.aclose()


async def limits_or_exit(services: Services, model: str | None) -> ProviderLimits | int | None:
    """The limits, or an exit code after one line on stderr (2 config, 3 the provider)."""
    from tuiftune.config import ConfigError
    from tuiftune.dataset.preview import visible
    from tuiftune.service.errors import ServiceError

    try:
        limits = await profile_limits(services, model)
    except ConfigError as exc:
        print(f"tuiftune lint: config error: {visible(str(exc))}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"tuiftune lint: --profile: {visible(str(exc))}", file=sys.stderr)
        return 3
    if limits is None:
        print("tuiftune lint: --profile: its provider has no rules of its own", file=sys.stderr)
    return limits
