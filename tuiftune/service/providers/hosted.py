"""What the hosted open-weight providers (Together, Fireworks) share when built from a profile:
one HTTP client, bearer-key auth, and OpenAI-compatible inference through the OpenAI provider."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx2

from tuiftune.config import ConfigError
from tuiftune.service.providers.base import (
    DeploymentsProvider,
    FilesProvider,
    JobsProvider,
    Provider,
)
from tuiftune.service.providers.http_api import HttpApi

if TYPE_CHECKING:
    from tuiftune.config import ResolvedProfile
    from tuiftune.service.providers.registry import ProviderOptions

Parts = tuple[JobsProvider, FilesProvider, DeploymentsProvider | None]
DEFAULT_TIMEOUT = 60.0


def build_hosted(
    profile: ResolvedProfile,
    options: ProviderOptions,
    *,
    name: str,
    default_base_url: str,
    inference_path: str,
    parts: Callable[[HttpApi], Parts],
) -> Provider:
    """A ``Provider`` whose jobs and files speak the provider's REST API and whose inference is
    OpenAI's protocol at ``base_url + inference_path`` (or the profile's inference endpoint)."""
    import openai

    from tuiftune.service.providers.openai import OpenAIInference
    from tuiftune.service.providers.openai_errors import expect_json

    base = (options.base_url or profile.base_url or default_base_url).rstrip("/")
    if profile.api_key is None:
        raise ConfigError(f"profile {profile.name!r} ({name}) needs an API key (api_key_env)")
    key = profile.api_key.get_secret_value()
    own = options.http_client is None
    client = options.http_client or httpx2.AsyncClient(timeout=options.timeout or DEFAULT_TIMEOUT)

    async def headers() -> Mapping[str, str]:
        return {"Authorization": f"Bearer {key}"}

    api = HttpApi(
        client,
        base,
        provider=name.capitalize(),
        headers=headers,
        max_retries=options.max_retries,
        timeout=options.timeout,
    )
    jobs, files, deployments = parts(api)
    endpoint = profile.inference
    timeout: dict[str, Any] = {"timeout": options.timeout} if options.timeout else {}
    sdk = openai.AsyncOpenAI(
        api_key=(endpoint.api_key.get_secret_value() if endpoint and endpoint.api_key else key),
        base_url=endpoint.base_url if endpoint and endpoint.base_url else base + inference_path,
        http_client=client,
        max_retries=options.max_retries,
        **timeout,
    )
    provider = Provider(
        name=name,
        label=options.label or name.upper(),
        jobs=jobs,
        files=files,
        inference=OpenAIInference(expect_json(sdk)),
        deployments=deployments,
    )
    if own:
        provider.closers.append(client.aclose)
    return provider
