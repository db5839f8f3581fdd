"""Build ``openai`` SDK clients from a resolved profile: OpenAI, Azure, compatible, sandbox.

The sandbox built without explicit options is shared by every ``tuiftune`` process: its state
lives in ``$TUIFTUNE_SANDBOX_DIR`` (default: the platform's data folder, ``.../tuiftune/sandbox``)
and every request is served from that state as it is on disk, so a job created by one command
is seen, and moved on by the clock, in the next. ``TUIFTUNE_SANDBOX_STEP_SECONDS`` sets its
pace (default 0.5 s per simulated step); every process sharing a folder should use the same.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2
import openai
import platformdirs
from pydantic import SecretStr

from tuiftune.config import APP_NAME, BackendKind, ConfigError, Endpoint, ResolvedProfile

if TYPE_CHECKING:
    from tuiftune.server.app import ServerOptions

# Sent when an endpoint needs no key: the SDK would otherwise read OPENAI_API_KEY from the
# environment and send it to a host it was never meant for.
NO_KEY = "no-key"
SANDBOX_KEY = "sandbox"
SANDBOX_DIR_ENV = "TUIFTUNE_SANDBOX_DIR"
SANDBOX_STEP_ENV = "TUIFTUNE_SANDBOX_STEP_SECONDS"


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


def sandbox_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the shared sandbox keeps its files and jobs: ``$TUIFTUNE_SANDBOX_DIR`` or the
    platform's data folder."""
    env = os.environ if env is None else env
    override = env.get(SANDBOX_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME) / "sandbox"


def shared_sandbox_options(env: Mapping[str, str] | None = None) -> ServerOptions:
    """Options of the sandbox shared across processes: state in ``sandbox_dir()``, pace from
    ``$TUIFTUNE_SANDBOX_STEP_SECONDS``."""
    from tuiftune.server.options import ServerOptions

    env = os.environ if env is None else env
    options = ServerOptions(state_dir=sandbox_dir(env))
    raw = env.get(SANDBOX_STEP_ENV)
    if raw:
        try:
            step = float(raw)
        except ValueError:
            step = -1.0
        if not step >= 0:  # also rejects nan
            raise ConfigError(f"{SANDBOX_STEP_ENV} must be a number of seconds >= 0")
        options.step_seconds = step
    return options


class _SharedStateTransport(httpx2.AsyncBaseTransport):
    """Serves each request from an app freshly loaded from the state folder.

    Another process may have changed the state since the last request (cancelled the job
    this one watches, say); one app kept for the client's life would neither see that nor
    avoid writing over it.
    """

    def __init__(self, options: ServerOptions) -> None:
        self.options = options

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Load the state, then run the app for this one request."""
        from tuiftune.server.app import create_app
        from tuiftune.server.sandbox import StreamingASGITransport

        app = await asyncio.to_thread(create_app, self.options)
        return await StreamingASGITransport(app).handle_async_request(request)


def build_sandbox_client(
    options: ServerOptions | None = None,
    *,
    http_client: httpx2.AsyncClient | None = None,
    **client_kwargs: Any,
) -> openai.AsyncOpenAI:
    """A client on the in-process local server (``tuiftune.server``), reached over its HTTP API.

    Without ``options`` it is the sandbox shared by all processes (``shared_sandbox_options``);
    explicit options (an in-memory state by default) give a private server, as before.
    """
    if http_client is None:
        # Imported here: the server (starlette etc.) is only needed in sandbox mode.
        from tuiftune.server.app import create_app
        from tuiftune.server.sandbox import sandbox_http_client

        if options is None:
            http_client = httpx2.AsyncClient(
                transport=_SharedStateTransport(shared_sandbox_options()),
                base_url="http://sandbox.invalid",
            )
        else:
            http_client = sandbox_http_client(create_app(options))
    from tuiftune.server.sandbox import SANDBOX_BASE_URL

    return openai.AsyncOpenAI(
        api_key=SANDBOX_KEY,
        base_url=SANDBOX_BASE_URL,
        http_client=http_client,
        **client_kwargs,
    )
