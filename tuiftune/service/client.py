"""Build ``openai`` SDK clients from a resolved profile: OpenAI, Azure, compatible, sandbox.

Only the OpenAI provider (``service/providers/openai.py``) uses these. The sandbox's client
needs an HTTP client onto the in-process server, which only the composition root
(``tuiftune.wiring``) builds: ``service/`` never imports ``server/``.
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai
from pydantic import SecretStr

from tuiftune.config import BackendKind, ConfigError, Endpoint, ResolvedProfile
from tuiftune.service.providers.openai_errors import expect_json

# Sent when an endpoint needs no key: the SDK would otherwise read OPENAI_API_KEY from the
# environment and send it to a host it was never meant for.
NO_KEY = "no-key"
SANDBOX_KEY = "sandbox"

SdkClient = openai.AsyncOpenAI
"""The SDK's client type, named here so that the composition root need not import the SDK."""


def _key(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret is not None else NO_KEY


def _extra(
    timeout: float | None, max_retries: int, http_client: httpx2.AsyncClient | None
) -> dict[str, Any]:
    extra: dict[str, Any] = {"max_retries": max_retries}
    if timeout is not None:
        extra["timeout"] = timeout
    if http_client is not None:
        extra["http_client"] = http_client
    return extra


def build_client(
    profile: ResolvedProfile,
    *,
    timeout: float | None = None,
    max_retries: int = 2,
    http_client: httpx2.AsyncClient | None = None,
    base_url: str | None = None,
) -> openai.AsyncOpenAI:
    """Create the SDK client for the profile's main (fine-tuning) endpoint; close it when done.

    ``base_url`` overrides the profile's (the sandbox's in-process URL)."""
    extra = _extra(timeout, max_retries, http_client)
    if profile.kind is BackendKind.SANDBOX:
        if http_client is None:
            raise ConfigError("the sandbox's client is built by tuiftune.wiring")
        return expect_json(openai.AsyncOpenAI(api_key=SANDBOX_KEY, base_url=base_url, **extra))
    if profile.kind is BackendKind.AZURE:
        azure = openai.AsyncAzureOpenAI(
            azure_endpoint=base_url or profile.base_url or "",
            api_key=_key(profile.api_key),
            api_version=profile.api_version,
            organization=profile.organization,
            project=profile.project,
            **extra,
        )
        return expect_json(azure)
    client = openai.AsyncOpenAI(
        api_key=_key(profile.api_key),
        base_url=base_url or profile.base_url,
        organization=profile.organization,
        project=profile.project,
        **extra,
    )
    return expect_json(client)


def build_inference_client(
    profile: ResolvedProfile,
    *,
    timeout: float | None = None,
    max_retries: int = 2,
    http_client: httpx2.AsyncClient | None = None,
    base_url: str | None = None,
) -> openai.AsyncOpenAI:
    """Client for playground and eval: the profile's separate inference endpoint if it has one."""
    if profile.inference is None:
        return build_client(
            profile,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
            base_url=base_url,
        )
    return build_endpoint_client(
        profile.inference, timeout=timeout, max_retries=max_retries, http_client=http_client
    )


def build_endpoint_client(
    endpoint: Endpoint,
    *,
    timeout: float | None = None,
    max_retries: int = 2,
    http_client: httpx2.AsyncClient | None = None,
) -> openai.AsyncOpenAI:
    """Client for a plain OpenAI-compatible endpoint (base URL + its own key)."""
    extra = _extra(timeout, max_retries, http_client)
    client = openai.AsyncOpenAI(api_key=_key(endpoint.api_key), base_url=endpoint.base_url, **extra)
    return expect_json(client)


def sandbox_sdk_client(
    http_client: httpx2.AsyncClient, base_url: str, **client_kwargs: Any
) -> openai.AsyncOpenAI:
    """An SDK client that sends every request through ``http_client`` (the in-process
    sandbox's transport, built by ``tuiftune.wiring``)."""
    client = openai.AsyncOpenAI(
        api_key=SANDBOX_KEY, base_url=base_url, http_client=http_client, **client_kwargs
    )
    return expect_json(client)
