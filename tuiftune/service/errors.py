"""The one error contract of every provider: typed, user-readable errors (``ServiceError``
and its subclasses), and the mapping from the ``openai`` SDK's exceptions onto them.

The SDK is imported only inside the mapping functions, so that importing the error types
(every screen does) does not load it.

Messages are meant for the screen: they say what went wrong and what to do, and they never
contain an API key (server messages are scrubbed of anything that looks like one).
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openai

# Real 401 bodies echo a partly masked key ("Incorrect API key provided: sk-proj-****abcd").
_KEY_PATTERN = re.compile(r"\b(?:sk|rk|pk|key|sess)-[A-Za-z0-9_\-*.]{4,}")
_LONG_TOKEN = re.compile(r"\b[A-Za-z0-9_\-]{32,}\b")

FINE_TUNING_CLOSED = (
    "OpenAI no longer lets new users create fine-tuning jobs. Use Azure OpenAI (a profile with "
    "kind = azure) or try the workflow locally with --sandbox."
)


def scrub(text: str) -> str:
    """Remove anything that looks like an API key or a bearer token from ``text``."""
    return _LONG_TOKEN.sub("[redacted]", _KEY_PATTERN.sub("[redacted]", text))


class ServiceError(Exception):
    """Base of every error the service layer raises; ``str()`` is a sentence for the user."""

    def __init__(self, message: str, *, status: int | None = None, request_id: str | None = None):
        super().__init__(scrub(message))
        self.message = scrub(message)
        self.status = status
        self.request_id = request_id

    @property
    def transient(self) -> bool:
        """True when retrying later may succeed."""
        return False


class AuthError(ServiceError):
    """The API key was missing, wrong or revoked (401)."""


class PermissionDeniedError(ServiceError):
    """The key is valid but not allowed to do this (403)."""


class NotFoundError(ServiceError):
    """The job, file or model does not exist for this key (404)."""


class BadRequestError(ServiceError):
    """The server refused the request (400/409/422), naming the parameter when it can."""

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status: int | None = 400,
        request_id: str | None = None,
    ):
        super().__init__(message, status=status, request_id=request_id)
        self.param = param
        self.code = code


class RateLimitedError(ServiceError):
    """Too many requests (429); ``retry_after`` is in seconds when the server said so."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """Rate limits pass."""
        return True


class NetworkError(ServiceError):
    """The server could not be reached, the connection dropped or a request timed out."""

    @property
    def transient(self) -> bool:
        """Networks come back."""
        return True


class ServerError(ServiceError):
    """The server failed (5xx)."""

    @property
    def transient(self) -> bool:
        """5xx errors are usually temporary."""
        return True


def parse_retry_after(headers: Any, *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return exc.message


def _host(exc: openai.APIError) -> str:
    try:
        return str(exc.request.url.host) or "the server"
    except Exception:  # a synthetic request in tests may have no URL
        return "the server"


def map_error(exc: BaseException, *, fine_tuning: bool = False) -> BaseException:
    """Translate an SDK exception into a ``ServiceError``; anything else is returned as is."""
    import openai

    if isinstance(exc, ServiceError) or not isinstance(exc, openai.OpenAIError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return NetworkError(f"The request to {_host(exc)} timed out.")
    if isinstance(exc, openai.APIConnectionError):
        return NetworkError(f"Could not reach {_host(exc)}: the connection failed or dropped.")
    if not isinstance(exc, openai.APIStatusError):
        return ServiceError(f"Unexpected error from the OpenAI client: {exc}")
    status, rid, host = exc.status_code, exc.request_id, _host(exc)
    detail = _server_message(exc)
    if status == 401:
        return AuthError(
            f"{host} rejected the API key (401). Check the key of this profile "
            "(`tuiftune config show`).",
            status=status,
            request_id=rid,
        )
    if status == 403:
        text = FINE_TUNING_CLOSED if fine_tuning else "This key is not allowed to do that (403)."
        return PermissionDeniedError(f"{text} Server said: {detail}", status=status, request_id=rid)
    if status == 404:
        return NotFoundError(f"Not found (404): {detail}", status=status, request_id=rid)
    if status == 429:
        return RateLimitedError(
            f"Rate limited by {host} (429): {detail}",
            retry_after=parse_retry_after(exc.response.headers),
            status=status,
            request_id=rid,
        )
    if status >= 500:
        return ServerError(f"{host} failed ({status}): {detail}", status=status, request_id=rid)
    where = f" (parameter {exc.param})" if exc.param else ""
    return BadRequestError(
        f"Request refused ({status}){where}: {detail}",
        param=exc.param,
        code=exc.code,
        status=status,
        request_id=rid,
    )


@asynccontextmanager
async def translated(*, fine_tuning: bool = False) -> AsyncIterator[None]:
    """Run a block and re-raise SDK errors as ``ServiceError``s."""
    import openai

    try:
        yield
    except openai.OpenAIError as exc:
        mapped = map_error(exc, fine_tuning=fine_tuning)
        if isinstance(mapped, AuthError):
            # Drop the chain: the SDK's own message may quote part of the key.
            raise mapped from None
        raise mapped from exc
