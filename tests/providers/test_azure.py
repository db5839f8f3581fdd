# mypy: disable-error-code="import-not-found"
"""Azure OpenAI deployments (ARM), Entra ID tokens and checkpoint copy, against an emulator
built from ``azure-mgmt-cognitiveservices``' models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.emulators.azure import (
    ACCOUNT,
    ARM_TOKEN,
    ARM_URL,
    DATA_TOKEN,
    DATA_URL,
    RG,
    SUB,
    AzureEmulator,
)
from tests.emulators.base import provider_client
from tuiftune.service.errors import (
    AuthError,
    BadRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ServiceError,
)
from tuiftune.service.providers.azure_auth import ARM_SCOPE, DATA_SCOPE, BearerTokens, StaticToken
from tuiftune.service.providers.azure_deployments import (
    AzureDeploymentInfo,
    AzureDeployments,
    deployment_name,
)
from tuiftune.service.providers.azure_provider import create_provider
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.registry import ProviderOptions
from tuiftune.service.types import JobSpec

FT_MODEL = "gpt-4.1-mini-2025-04-14.ft-0a1b2c3d4e"
ARM_OPTIONS = {
    "azure_subscription_id": SUB,
    "azure_resource_group": RG,
    "azure_account": ACCOUNT,
    "arm_endpoint": ARM_URL,
    "azure_token_env": "TEST_ARM_TOKEN",
}
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def emu() -> AzureEmulator:
    return AzureEmulator()


@pytest.fixture
def azure(
    emu: AzureEmulator, build: Callable[..., Provider], monkeypatch: pytest.MonkeyPatch
) -> Provider:
    monkeypatch.setenv("TEST_ARM_TOKEN", ARM_TOKEN)
    return build(
        "azure", emu.app, DATA_URL, options={**ARM_OPTIONS, "deployment_hourly_usd": "1.70"}
    )


def _deployments(provider: Provider) -> AzureDeployments:
    assert isinstance(provider.deployments, AzureDeployments)
    return provider.deployments


async def _no_sleep(seconds: float) -> None:
    return None


async def test_deploy_poll_ready_prompt_delete(azure: Provider, emu: AzureEmulator) -> None:
    from azure.mgmt.cognitiveservices.models import (
        Deployment,
        DeploymentModel,
        DeploymentProperties,
        Sku,
    )

    deps = _deployments(azure)
    deps.sleep = _no_sleep
    with pytest.raises(NotFoundError):  # a fine-tuned model answers only once deployed
        await azure.inference.chat(deployment_name(FT_MODEL), HI)

    created = await deps.create(FT_MODEL)
    assert created.status == "creating" and created.model == FT_MODEL
    put = next(r for r in emu.faults.requests if r.method == "PUT")
    sdk_body = Deployment(
        sku=Sku(name="standard", capacity=1),
        properties=DeploymentProperties(
            model=DeploymentModel(format="OpenAI", name=FT_MODEL, version="1")
        ),
    ).serialize()
    import json

    assert json.loads(put.body) == sdk_body
    assert put.path.endswith(f"/deployments/{deployment_name(FT_MODEL)}")

    ready = await deps.wait_ready(created.id, interval=5)
    assert ready.status == "succeeded"
    info = ready.extra(AzureDeploymentInfo)  # type: ignore[attr-defined]
    assert info is not None and info.hourly_usd == 1.70 and info.deletes_at is None
    assert (
        info.describe()
        == "standard: $1.70/hour while it exists; deleted by Azure after 15 idle days"
    )

    answer = await azure.inference.chat(created.id, HI)
    assert answer.text == f"{created.id} says hi"
    models = await azure.inference.list_models()  # what the Playground and Eval pick from
    assert [(m.id, m.kind.value, m.base_model) for m in models] == [
        (created.id, "fine-tuned", "gpt-4.1-mini-2025-04-14")
    ]
    assert [d.id for d in await deps.list()] == [created.id]
    await deps.delete(created.id)
    assert await deps.list() == []
    with pytest.raises(NotFoundError):
        await azure.inference.chat(created.id, HI)


async def test_developer_tier_says_when_azure_deletes_it(azure: Provider) -> None:
    dep = await _deployments(azure).create(
        FT_MODEL + ":ckpt-step-10", sku="developertier", capacity=50
    )
    info = dep.extra(AzureDeploymentInfo)  # type: ignore[attr-defined]
    assert info is not None and info.sku == "developertier"
    # createdAt 2026-12-01T12:00:00Z + 24 h
    assert (
        info.describe()
        == "developer tier: no hosting fee, tokens only; deleted by Azure at 2026-12-02 12:00 UTC"
    )
    assert dep.id == "gpt-4.1-mini-2025-04-14.ft-0a1b2c3d4e-ckpt-step-10"
    with pytest.raises(BadRequestError) as err:
        await _deployments(azure).create(FT_MODEL, sku="premium")
    assert err.value.param == "sku"


async def test_a_failed_deployment_raises(azure: Provider, emu: AzureEmulator) -> None:
    deps = _deployments(azure)
    deps.sleep = _no_sleep
    emu.fail_next = True
    dep = await deps.create(FT_MODEL)
    with pytest.raises(ServiceError, match="could not deploy"):
        await deps.wait_ready(dep.id)


async def test_waiting_has_a_deadline(azure: Provider, emu: AzureEmulator) -> None:
    deps = _deployments(azure)
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    deps.sleep, deps.clock = sleep, lambda: now[0]
    emu.ready_after = 10**6
    dep = await deps.create(FT_MODEL)
    with pytest.raises(ServiceError, match="still creating after 60 s"):
        await deps.wait_ready(dep.id, interval=10, max_wait=60)


async def test_list_follows_next_link(azure: Provider) -> None:
    deps = _deployments(azure)
    for i in range(3):
        await deps.create(f"{FT_MODEL}{i}")
    assert len(await deps.list()) == 3


@pytest.mark.parametrize(
    ("status", "headers", "kind"),
    [
        (401, {}, AuthError),
        (404, {}, NotFoundError),
        (429, {"Retry-After": "12"}, RateLimitedError),
        (503, {}, ServerError),
    ],
)
async def test_arm_errors_are_typed(
    azure: Provider, emu: AzureEmulator, status: int, headers: dict[str, str], kind: type[Exception]
) -> None:
    emu.faults.fail(
        "GET",
        r"/deployments/x$",
        status,
        {"error": {"code": "E", "message": "no"}},
        headers=headers,
    )
    with pytest.raises(kind) as err:
        await _deployments(azure).retrieve("x")
    if isinstance(err.value, RateLimitedError):
        assert err.value.retry_after == 12.0


async def test_checkpoint_copy(azure: Provider) -> None:
    copier = _deployments(azure).checkpoints
    assert copier is not None
    started = await copier.copy(
        "ftjob-1",
        "ftchkpt-2",
        destination_resource_id="/subscriptions/x/other",
        region="swedencentral",
    )
    assert started.copies == (("/subscriptions/x/other", "swedencentral", "InProgress"),)
    assert (await copier.status("ftjob-1", "ftchkpt-2")).copies[0][2] == "Completed"


async def test_suffix_over_40_is_refused_before_any_request(
    azure: Provider, emu: AzureEmulator
) -> None:
    with pytest.raises(BadRequestError) as err:
        await azure.jobs.create(JobSpec("gpt-4.1-mini-2025-04-14", "file-1", suffix="s" * 41))
    assert err.value.param == "suffix" and emu.faults.requests == []


class FakeCredential:
    """azure-identity's async credential shape, handing one token per scope."""

    def __init__(self) -> None:
        self.scopes: list[str] = []

    async def get_token(self, *scopes: str, **kw: Any) -> StaticToken:
        self.scopes.extend(scopes)
        return StaticToken(
            {DATA_SCOPE: DATA_TOKEN, ARM_SCOPE: ARM_TOKEN}[scopes[0]], expires_on=10**10
        )


async def test_entra_id_tokens_for_both_planes(
    emu: AzureEmulator, profile_for: Callable[..., Any]
) -> None:
    profile = profile_for(
        "azure",
        DATA_URL,
        api_key_env=None,
        no_auth=True,
        options={**ARM_OPTIONS, "azure_auth": "entra"},
    )
    cred = FakeCredential()
    client = provider_client(emu.app, DATA_URL)
    provider = create_provider(
        profile, ProviderOptions(http_client=client, max_retries=0), credential=cred
    )
    deps = _deployments(provider)
    deps.sleep = _no_sleep
    dep = await deps.create(FT_MODEL)
    await deps.wait_ready(dep.id)
    assert (await provider.inference.chat(dep.id, HI)).text == f"{dep.id} says hi"
    await provider.inference.chat(dep.id, HI)
    assert sorted(cred.scopes) == sorted([DATA_SCOPE, ARM_SCOPE])  # one token each, cached
    chat = [r for r in emu.faults.requests if r.path.endswith("/chat/completions")]
    assert all(
        r.headers["authorization"] == f"Bearer {DATA_TOKEN}" and "api-key" not in r.headers
        for r in chat
    )
    await provider.aclose()
    await client.aclose()


async def test_tokens_are_renewed_before_they_expire() -> None:
    now = [1000.0]
    handed: list[int] = []

    class Cred:
        async def get_token(self, *scopes: str, **kw: Any) -> StaticToken:
            handed.append(len(handed))
            return StaticToken(f"t{len(handed)}", expires_on=int(now[0]) + 3600)

    tokens = BearerTokens(Cred(), ARM_SCOPE, clock=lambda: now[0])
    assert await tokens() == "t1" and await tokens() == "t1"
    now[0] += 3600 - 299  # inside the five-minute margin
    assert await tokens() == "t2" and len(handed) == 2


async def test_a_key_profile_builds_without_azure_identity(
    emu: AzureEmulator, build: Callable[..., Provider]
) -> None:
    import importlib.util

    if importlib.util.find_spec("azure.identity") is not None:
        pytest.skip("azure-identity is installed here")
    options = {k: v for k, v in ARM_OPTIONS.items() if k != "azure_token_env"}
    provider = build("azure", emu.app, DATA_URL, options=options)
    with pytest.raises(AuthError, match="azure-identity"):  # asked for only when deploying
        await _deployments(provider).create(FT_MODEL)
    assert emu.faults.requests == []
