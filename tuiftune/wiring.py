"""The composition root: profile -> provider (through the registry), the ``Services`` given
to the app and to every command, and the only module that builds the in-process sandbox.

The sandbox built without explicit options is shared by every ``tuiftune`` process: its state
lives in ``$TUIFTUNE_SANDBOX_DIR`` (default: the platform's data folder, ``.../tuiftune/sandbox``)
and every request is served from that state as it is on disk, so a job created by one command
is seen, and moved on by the clock, in the next. ``TUIFTUNE_SANDBOX_STEP_SECONDS`` sets its
pace (default 0.5 s per simulated step); every process sharing a folder should use the same.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tuiftune.service.services import Services

if TYPE_CHECKING:
    import httpx2

    from tuiftune.config import ResolvedProfile
    from tuiftune.server import ServerOptions
    from tuiftune.service.client import SdkClient
    from tuiftune.service.providers.base import Provider
    from tuiftune.service.providers.registry import ProviderRegistry

# The HTTP client, the SDK, the server and pydantic load on first use: building the command
# line's parser (which registers ``serve`` through here) stays cheap.

__all__ = [
    "add_serve_parser",
    "build_sandbox_client",
    "build_services",
    "connect",
    "sandbox_http_client",
    "sandbox_provider",
    "services_for",
    "shared_sandbox_options",
]

SANDBOX_STEP_ENV = "TUIFTUNE_SANDBOX_STEP_SECONDS"


def shared_sandbox_options(env: Mapping[str, str] | None = None) -> ServerOptions:
    """Options of the sandbox shared across processes: state in ``sandbox_dir()``, pace from
    ``$TUIFTUNE_SANDBOX_STEP_SECONDS``."""
    from tuiftune.config import ConfigError, sandbox_dir
    from tuiftune.server import ServerOptions

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


def sandbox_http_client(options: ServerOptions | None = None) -> httpx2.AsyncClient:
    """An HTTP client onto the in-process server: the shared one without ``options``, a
    private one (in-memory state by default) with them.

    One app serves the client's whole life, its lifespan (the trainer's restore and background
    tasks) ended when the client closes. The shared one takes in, before each request, what
    other processes wrote to the state folder (``reload_state``): a job created by one command
    is seen, and moved on by the clock, in the next.
    """
    # Imported here: the server (starlette etc.) is only needed in sandbox mode.
    import dataclasses

    import httpx2

    from tuiftune.server.sandbox import sandbox_transport

    if options is None:
        options = dataclasses.replace(shared_sandbox_options(), reload_state=True)
    return httpx2.AsyncClient(
        transport=sandbox_transport(options), base_url="http://sandbox.invalid"
    )


def build_sandbox_client(
    options: ServerOptions | None = None,
    *,
    http_client: httpx2.AsyncClient | None = None,
    **client_kwargs: Any,
) -> SdkClient:
    """An SDK client on the in-process local server, reached over its HTTP API (tests and
    benchmarks use it to drive the sandbox directly)."""
    from tuiftune.server import SANDBOX_BASE_URL
    from tuiftune.service.client import sandbox_sdk_client

    client = http_client or sandbox_http_client(options)
    return sandbox_sdk_client(client, SANDBOX_BASE_URL, **client_kwargs)


def sandbox_provider(options: ServerOptions | None = None, **client_kwargs: Any) -> Provider:
    """The OpenAI provider over the in-process sandbox (shared, or private with ``options``)."""
    from tuiftune.service.providers.openai import from_clients

    return from_clients(build_sandbox_client(options, **client_kwargs), label="SANDBOX")


def connect(
    profile: ResolvedProfile,
    registry: ProviderRegistry | None = None,
    *,
    max_retries: int = 2,
    timeout: float | None = None,
) -> Provider:
    """The provider that serves ``profile`` (the sandbox gets its in-process transport)."""
    from tuiftune.config import BackendKind
    from tuiftune.service.providers.registry import ProviderOptions, ProviderRegistry

    registry = registry or ProviderRegistry()
    options = ProviderOptions(max_retries=max_retries, timeout=timeout)
    if profile.kind is BackendKind.SANDBOX and profile.provider == "openai":
        from tuiftune.server import SANDBOX_BASE_URL

        options = ProviderOptions(
            http_client=sandbox_http_client(),
            base_url=SANDBOX_BASE_URL,
            max_retries=max_retries,
            timeout=timeout,
            label="SANDBOX",
        )
    return registry.create(profile, options)


def build_services(
    profile_name: str | None = None,
    *,
    sandbox: bool = False,
    registry: ProviderRegistry | None = None,
) -> Services:
    """The ``Services`` of one run: the profile is resolved on first use."""
    return Services(
        profile_name=profile_name, sandbox=sandbox, connect=lambda p: connect(p, registry)
    )


def services_for(args: argparse.Namespace, registry: ProviderRegistry | None = None) -> Services:
    """The ``Services`` that ``--profile`` / ``--sandbox`` on the command line ask for."""
    return build_services(
        getattr(args, "profile", None),
        sandbox=bool(getattr(args, "sandbox", False)),
        registry=registry,
    )


def add_serve_parser(subparsers: Any) -> None:
    """Register ``tuiftune serve`` (the local server's own command)."""
    from tuiftune.server import command

    command.add_parser(subparsers)
