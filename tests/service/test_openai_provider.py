"""The OpenAI provider from a profile: neutral models with their kind and, on api.openai.com,
the retirement date OpenAI published; other hosts keep their own calendars."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx2
from pydantic import SecretStr

from tuiftune.config import BackendKind, ResolvedProfile
from tuiftune.service.providers.openai import create_provider
from tuiftune.service.providers.openai_convert import OPENAI_RETIREMENTS, retirement
from tuiftune.service.providers.registry import ProviderOptions, ProviderRegistry
from tuiftune.service.types import ModelKind

JAN_14 = int(datetime(2027, 1, 14, tzinfo=UTC).timestamp())
OCT_23 = int(datetime(2026, 10, 23, tzinfo=UTC).timestamp())
MODELS = [
    "gpt-4o-mini-2024-07-18",
    "ft:gpt-4.1-2025-04-14:acme:triage:AbC123",
    "ft:gpt-4.1-nano-2025-04-14:acme::XyZ:ckpt-step-40",
    "gpt-4o-audio-preview",
    "babbage-002",
]


def test_retirement_by_family_snapshot_and_fine_tune() -> None:
    dates = [retirement(m, OPENAI_RETIREMENTS) for m in MODELS]
    assert dates == [JAN_14, JAN_14, OCT_23, None, None]


def _profile(kind: BackendKind, base_url: str | None) -> ResolvedProfile:
    return ResolvedProfile(
        name="p",
        kind=kind,
        base_url=base_url,
        api_key=SecretStr("sk-test-0000000000000000abcd"),
        source="test",
        config_path=Path("unused.toml"),
        api_version="2025-04-01-preview" if kind is BackendKind.AZURE else None,
    )


def _models(request: httpx2.Request) -> httpx2.Response:
    assert request.url.path.endswith("/models")
    data = [{"id": m, "object": "model", "created": 1, "owned_by": "o"} for m in MODELS]
    return httpx2.Response(200, json={"object": "list", "data": data})


async def _list(kind: BackendKind, base_url: str | None) -> list[tuple[str, ModelKind, int | None]]:
    http = httpx2.AsyncClient(transport=httpx2.MockTransport(_models))
    provider = create_provider(_profile(kind, base_url), ProviderOptions(http_client=http))
    async with provider:
        models = await provider.inference.list_models()
    return [(m.id, m.kind, m.retires_at) for m in models]


async def test_api_openai_com_dates_its_models() -> None:
    listed = await _list(BackendKind.OPENAI, None)
    assert [kind for _, kind, _ in listed] == [
        ModelKind.BASE,
        ModelKind.FINE_TUNED,
        ModelKind.CHECKPOINT,
        ModelKind.BASE,
        ModelKind.BASE,
    ]
    assert [when for _, _, when in listed] == [JAN_14, JAN_14, OCT_23, None, None]


async def test_other_hosts_are_not_given_openais_calendar() -> None:
    for kind, url in (
        (BackendKind.COMPATIBLE, "http://vllm:8000/v1"),
        (BackendKind.AZURE, "https://r.openai.azure.com"),
    ):
        listed = await _list(kind, url)
        assert [when for _, _, when in listed] == [None] * len(MODELS)


def test_the_registry_builds_the_openai_provider_by_name() -> None:
    http = httpx2.AsyncClient(transport=httpx2.MockTransport(_models))
    provider = ProviderRegistry(use_entry_points=False).create(
        _profile(BackendKind.COMPATIBLE, "http://vllm:8000/v1"), ProviderOptions(http_client=http)
    )
    assert provider.name == "openai" and provider.label == "http://vllm:8000/v1"
