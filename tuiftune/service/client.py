"""Build ``openai`` SDK clients from a resolved profile: OpenAI, Azure, compatible, sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx2
import openai
from pydantic import SecretStr

from tuiftune.config import BackendKind, Endpoint, ResolvedProfile

if TYPE_CHECKING:
    from tuiftune.server.app import ServerOptions

# Sent when an endpoint needs no key: the SDK would otherwise read OPENAI_API_KEY from the
# environment and send it to a host it was never meant for.
NO_KEY = "no-key"
SANDBOX_KEY = "sandbox"


def _key(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret is not None else NO_KEY


def build_client(
    profile: ResolvedProfile,
    *,
    timeout: float | None = None,
    max_retries: int = 2,
    http_client: httpx2.AsyncClient | None = None,
    sandbox_options: ServerOptions | None = None,
) -> openai.AsyncOpenAI:
    """Create the SDK client for the profile's main (fine-tuning) endpoint; close it when done."""
    extra: dict[str, Any] = {"max_retries": max_retries}
    if timeout is not None:
        extra["timeout"] = timeout
    if profile.kind is BackendKind.SANDBOX:
        return build_sandbox_client(sandbox_options, http_client=http_client, **extra)
    if http_client is not None:
        extra["http_client"] = http_client
    if profile.kind is BackendKind.AZURE:
        return openai.AsyncAzureOpenAI(
            azure_endpoint=profile.base_url or "",
            api_key=_key(profile.api_key),
            api_version=profile.api_version,
            organization=profile.organization,
            project=profile.project,
            **extra,
        )
    return openai.AsyncOpenAI(
        api_key=_key(profile.api_key),
        base_url=profile.base_url,
        organization=profile.organization,
        project=profile.project,
        **extra,
    )


def build_inference_client(
    profile: ResolvedProfile,
    *,
    timeout: float | None = None,
    max_retries: int = 2,
    http_client: httpx2.AsyncClient | None = None,
    sandbox_options: ServerOptions | None = None,
) -> openai.AsyncOpenAI:
    """Client for playground and eval: the profile's separate inference endpoint if it has one."""
    if profile.inference is None:
        return build_client(
            profile,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
            sandbox_options=sandbox_options,
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
    extra: dict[str, Any] = {"max_retries": max_retries}
    if timeout is not None:
        extra["timeout"] = timeout
    if http_client is not None:
        extra["http_client"] = http_client
    return openai.AsyncOpenAI(api_key=_key(endpoint.api_key), base_url=endpoint.base_url, **extra)


def build_sandbox_client(
    options: ServerOptions | None = None,
    *,
    http_client: httpx2.AsyncClient | None = None,
    **client_kwargs: Any,
) -> openai.AsyncOpenAI:
    """A client on the in-process local server (``tuiftune.server``), reached over its HTTP API."""
    if http_client is None:
        # Imported here: the server (starlette etc.) is only needed in sandbox mode.
        from tuiftune.server.app import ServerOptions, create_app
        from tuiftune.server.sandbox import sandbox_http_client

        app = create_app(options if options is not None else ServerOptions())
        http_client = sandbox_http_client(app)
    from tuiftune.server.sandbox import SANDBOX_BASE_URL

    return openai.AsyncOpenAI(
        api_key=SANDBOX_KEY,
        base_url=SANDBOX_BASE_URL,
        http_client=http_client,
        **client_kwargs,
    )
