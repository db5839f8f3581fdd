"""A connected provider's dataset rules: the packaged table of ``dataset.provider_rules``, with
what the provider itself says of a model where it can (Together's ``/fine-tunes/models/limits``:
the longest sequence, tools, images) before the table's guess."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from tuiftune.dataset.findings import ReportedFinding
from tuiftune.dataset.provider_rules import ProviderLimits, check_file, limits_for, providers
from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import Provider


def rules_name(provider: Provider) -> str | None:
    """Which provider's rules apply (Azure through the OpenAI provider too); None for a
    compatible server or the sandbox, whose rules are OpenAI's own lint."""
    if provider.label == "AZURE":
        return "azure"
    if provider.name == "openai":
        return "openai" if provider.label == "OPENAI" else None
    return provider.name if provider.name in providers() else None


async def provider_limits(provider: Provider, model: str) -> ProviderLimits | None:
    """The rules for ``model`` on ``provider``; the provider's own answer where it has one."""
    name = rules_name(provider)
    if name is None:
        return None
    limits = limits_for(name)
    ask = getattr(provider.jobs, "model_limits", None)
    if ask is None:
        return limits
    try:
        own = await ask(model)
    except ServiceError:
        return limits  # an unknown model or a blip: the table's values still say something
    return replace(
        limits,
        context={"*": int(own.max_seq_length_sft)},
        tools=bool(own.supports_tools),
        images=bool(own.supports_vision),
    )


async def lint_for_provider(
    provider: Provider, path: Path, model: str
) -> tuple[str | None, list[ReportedFinding]]:
    """The provider's rule name and its findings on ``path`` (read in a thread)."""
    limits = await provider_limits(provider, model)
    if limits is None:
        return None, []
    found = await asyncio.to_thread(check_file, path, limits.provider, model, limits=limits)
    return limits.provider, found
