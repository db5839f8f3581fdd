"""Credentials for Azure: an API key, or Entra ID tokens (azure-identity) from the profile.

The data plane (files, jobs, inference) takes either a key or a token for
``https://cognitiveservices.azure.com/.default``; the ARM control plane (deployments) takes only
a token for ``https://management.azure.com/.default``. azure-identity is imported only when a
token is first needed, so the app starts as fast without it.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tuiftune.config import ConfigError
from tuiftune.service.errors import AuthError

DATA_SCOPE = "https://cognitiveservices.azure.com/.default"
ARM_SCOPE = "https://management.azure.com/.default"
REFRESH_MARGIN = 300.0
"""Seconds before expiry when a cached token is renewed."""


class TokenCredential(Protocol):
    """azure-identity's async credential shape: ``get_token`` returns an ``AccessToken``."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """A token object with ``.token`` (str) and ``.expires_on`` (epoch seconds)."""
        ...


@dataclass(frozen=True)
class StaticToken:
    """A token from an environment variable (``az account get-access-token``); it is used until
    the server refuses it, since its expiry is unknown here."""

    token: str
    expires_on: int = 2**62

    async def get_token(self, *scopes: str, **kwargs: Any) -> StaticToken:
        """This token, whatever the scope."""
        return self


class BearerTokens:
    """Tokens for one scope, cached until shortly before they expire; call for the current one."""

    def __init__(
        self,
        credential: TokenCredential,
        scope: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.credential = credential
        self.scope = scope
        self.clock = clock
        self._token: str | None = None
        self._expires = 0.0

    async def __call__(self) -> str:
        """The current token, fetched again when it is about to expire."""
        if self._token is None or self.clock() >= self._expires - REFRESH_MARGIN:
            try:
                got = await self.credential.get_token(self.scope)
            except ConfigError as exc:
                raise AuthError(f"Could not get an Entra ID token: {exc}") from None
            except Exception as exc:  # azure-identity raises its own ClientAuthenticationError
                raise AuthError(
                    f"Could not get an Entra ID token for {self.scope}: {exc}. Sign in with "
                    "`az login`, or set the profile's azure_token_env."
                ) from None
            self._token, self._expires = str(got.token), float(got.expires_on)
        return self._token


def credential_from(
    options: Mapping[str, str], env: Mapping[str, str] | None = None
) -> TokenCredential:
    """The profile's Entra ID credential: a token in ``options["azure_token_env"]``'s variable,
    else azure-identity's ``DefaultAzureCredential`` (Azure CLI, managed identity, env vars)."""
    env = os.environ if env is None else env
    var = options.get("azure_token_env")
    if var:
        value = env.get(var)
        if not value:
            raise ConfigError(f"environment variable {var} (azure_token_env) is not set")
        return StaticToken(value)
    try:
        identity = importlib.import_module("azure.identity.aio")
    except ImportError:
        raise ConfigError(
            "Entra ID sign-in needs azure-identity (pip install azure-identity), or set "
            "azure_token_env to a variable holding a token from `az account get-access-token`"
        ) from None
    credential: TokenCredential = identity.DefaultAzureCredential()
    return credential


class LazyCredential:
    """The profile's credential, made on first use: a profile with a key and ARM settings
    builds without azure-identity, and only deploying asks for it."""

    def __init__(self, options: Mapping[str, str]) -> None:
        self.options = dict(options)
        self._inner: TokenCredential | None = None

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """A token from the real credential (made now if need be)."""
        if self._inner is None:
            self._inner = credential_from(self.options)
        return await self._inner.get_token(*scopes, **kwargs)

    async def close(self) -> None:
        """Close the real credential, if one was made (azure-identity's hold sessions)."""
        close = getattr(self._inner, "close", None)
        if close is not None:
            await close()
