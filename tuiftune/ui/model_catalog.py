"""The provider's model catalog for the screens that offer models (Playground, Eval): fetched
through one provider, its warnings and a failure shown as notices."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.widget import Widget

from tuiftune.service.catalog import ModelChoice, load_catalog
from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import Provider


async def fetch_catalog(
    node: Widget, open_provider: Callable[[], Awaitable[Provider]]
) -> list[ModelChoice] | None:
    """Every model the provider offers, each warning notified on ``node``; None (after an error
    notice) when the models cannot be listed, so the caller keeps the list it had."""
    try:
        async with await open_provider() as provider:
            catalog = await load_catalog(provider)
    except ServiceError as exc:
        node.notify(f"cannot list models: {exc}", severity="error", markup=False)
        return None
    for warning in catalog.warnings:
        node.notify(warning, severity="warning", markup=False)
    return catalog.models
