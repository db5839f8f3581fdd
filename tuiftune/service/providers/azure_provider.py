"""The ``azure`` provider: Azure OpenAI's v1 data plane (files, jobs, inference through the
OpenAI provider) with a key or Entra ID tokens, plus ARM deployments and checkpoint copy.

Profile (``provider = "azure"``): ``base_url`` is the resource endpoint
(``https://NAME.openai.azure.com``); a key through ``api_key_env``, or ``no_auth = true`` with
``options.azure_auth = "entra"`` for Entra ID. Deployments need ``options.azure_subscription_id``,
``azure_resource_group`` and ``azure_account``; ``deployment_sku`` (standard, globalstandard,
developertier), ``deployment_capacity`` and ``deployment_hourly_usd`` are optional.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

import httpx2

from tuiftune.config import ConfigError
from tuiftune.service.errors import BadRequestError
from tuiftune.service.providers.azure_auth import (
    ARM_SCOPE,
    DATA_SCOPE,
    BearerTokens,
    LazyCredential,
    TokenCredential,
)
from tuiftune.service.providers.azure_deployments import (
    ARM_ENDPOINT,
    AzureCheckpoints,
    AzureDeployments,
)
from tuiftune.service.providers.base import InferenceProvider, Messages
from tuiftune.service.providers.http_api import HttpApi
from tuiftune.service.providers.rewriting_jobs import RewritingJobs
from tuiftune.service.types import (
    CompletionResult,
    JobSpec,
    ModelInfo,
    ModelKind,
    SamplingParams,
    StreamItem,
)

if TYPE_CHECKING:
    from tuiftune.config import ResolvedProfile
    from tuiftune.service.providers.base import Provider
    from tuiftune.service.providers.registry import ProviderOptions

SUFFIX_MAX = 40
"""Azure's v1 fine-tuning refuses longer suffixes (OpenAI allows 64)."""


def check_suffix(spec: JobSpec) -> JobSpec:
    """Refuse a suffix Azure would refuse, before uploading or creating anything."""
    if spec.suffix and len(spec.suffix) > SUFFIX_MAX:
        raise BadRequestError(
            f"suffix is at most {SUFFIX_MAX} characters on Azure OpenAI.",
            param="suffix",
            status=None,
        )
    return spec


class DeployedInference(InferenceProvider):
    """Azure's inference, whose model list is the deployments that are ready: on Azure a model
    answers only under a deployment's name, so that is what the Playground and Eval pick."""

    def __init__(self, inner: InferenceProvider, deployments: AzureDeployments) -> None:
        self.inner = inner
        self.deployments = deployments

    def stream_chat(
        self,
        model: str,
        messages: Messages,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        """Stream a chat answer from a deployment."""
        return self.inner.stream_chat(model, messages, params, include_usage=include_usage)

    def stream_completion(
        self,
        model: str,
        prompt: str,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        """Stream a legacy completion from a deployment."""
        return self.inner.stream_completion(model, prompt, params, include_usage=include_usage)

    async def chat(
        self, model: str, messages: Messages, params: SamplingParams | None = None
    ) -> CompletionResult:
        """One chat answer."""
        return await self.inner.chat(model, messages, params)

    async def complete(
        self, model: str, prompt: str, params: SamplingParams | None = None
    ) -> CompletionResult:
        """One legacy completion."""
        return await self.inner.complete(model, prompt, params)

    async def list_models(self) -> list[ModelInfo]:
        """The ready deployments, each named as inference calls it, with the model it serves."""
        out = []
        for dep in await self.deployments.list():
            if dep.status == "succeeded":
                kind = ModelKind.CHECKPOINT if ":ckpt-" in dep.model else ModelKind.FINE_TUNED
                base = dep.model.split(".ft-", 1)[0] if ".ft-" in dep.model else None
                out.append(ModelInfo(id=dep.name or dep.id, kind=kind, base_model=base))
        return out

    def without_retries(self) -> InferenceProvider:
        """The same, with the inner provider's retries off."""
        return DeployedInference(self.inner.without_retries(), self.deployments)


def create_provider(
    profile: ResolvedProfile,
    options: ProviderOptions,
    *,
    credential: TokenCredential | None = None,
) -> Provider:
    """The registry's factory for ``provider = "azure"``; ``credential`` replaces azure-identity
    (tests, or an app that already holds one)."""
    import openai

    from tuiftune.service.providers.openai import from_clients
    from tuiftune.service.providers.openai_errors import expect_json

    opts = profile.options
    endpoint = (options.base_url or profile.base_url or "").rstrip("/")
    if not endpoint:
        raise ConfigError(f"profile {profile.name!r} (azure) needs base_url: the resource endpoint")
    entra = opts.get("azure_auth", "key" if profile.api_key else "entra") == "entra"
    if not entra and profile.api_key is None:
        raise ConfigError(f"profile {profile.name!r} (azure) needs a key or azure_auth = entra")
    needs_token = entra or "azure_account" in opts
    cred = credential or (LazyCredential(opts) if needs_token else None)
    key = profile.api_key.get_secret_value() if profile.api_key else ""
    data_token = BearerTokens(cred, DATA_SCOPE) if entra and cred else None
    own = options.http_client is None
    http = options.http_client or httpx2.AsyncClient(timeout=options.timeout or 60.0)

    async def data_headers() -> Mapping[str, str]:
        if data_token is not None:
            return {"Authorization": f"Bearer {await data_token()}"}
        return {"api-key": key}

    # The guard service/client.py installs on every SDK client it builds: a 2xx that is not
    # JSON (a proxy's login page) is one clear error. HttpApi on the same http client is left
    # alone: the guard checks only requests that ask for application/json, as the SDK's do.
    client = expect_json(
        openai.AsyncOpenAI(
            base_url=f"{endpoint}/openai/v1",
            api_key=data_token if data_token is not None else key,
            default_headers=None if entra else {"api-key": key},
            http_client=http,
            max_retries=options.max_retries,
        )
    )
    # Azure's fine-tuning has OpenAI's hyperparameters only: LoRA settings are refused.
    provider = from_clients(
        client, label=options.label or "AZURE", close=False, lora=(frozenset(), "Azure OpenAI")
    )
    provider.name = "azure"
    provider.jobs = RewritingJobs(provider.jobs, check_suffix)
    data_api = HttpApi(http, endpoint, provider="Azure OpenAI", headers=data_headers)
    if all(k in opts for k in ("azure_subscription_id", "azure_resource_group", "azure_account")):
        assert cred is not None
        arm_token = BearerTokens(cred, ARM_SCOPE)

        async def arm_headers() -> Mapping[str, str]:
            return {"Authorization": f"Bearer {await arm_token()}"}

        arm = HttpApi(
            http,
            opts.get("arm_endpoint", ARM_ENDPOINT),
            provider="Azure Resource Manager",
            headers=arm_headers,
            max_retries=options.max_retries,
        )
        deployments = AzureDeployments(
            arm,
            subscription=opts["azure_subscription_id"],
            resource_group=opts["azure_resource_group"],
            account=opts["azure_account"],
            sku=opts.get("deployment_sku", "standard"),
            capacity=int(opts.get("deployment_capacity", "1")),
            hourly_usd=float(opts["deployment_hourly_usd"])
            if "deployment_hourly_usd" in opts
            else None,
        )
        deployments.checkpoints = AzureCheckpoints(data_api)
        provider.deployments = deployments
        provider.inference = DeployedInference(provider.inference, deployments)
    if own:
        provider.closers.append(http.aclose)
    close = getattr(cred, "close", None)
    if credential is None and close is not None:
        provider.closers.append(close)
    return provider
