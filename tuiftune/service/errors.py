"""The one error contract of every provider: typed, user-readable errors (``ServiceError``
and its subclasses). Each provider maps its own SDK's or HTTP library's failures onto these
at its edge (``providers/openai_errors.py`` for the ``openai`` SDK); nothing else escapes.

Messages are meant for the screen: they say what went wrong and what to do, and they never
contain an API key (server messages are scrubbed of anything that looks like one).
"""

from __future__ import annotations

import email.utils
import re
import time
from typing import Any

# Real 401 bodies echo a partly masked key ("Incorrect API key provided: sk-proj-****abcd").
_KEY_PATTERN = re.compile(r"\b(?:sk|rk|pk|key|sess)-[A-Za-z0-9_\-*.]{4,}")
_LONG_TOKEN = re.compile(r"\b[A-Za-z0-9_\-]{32,}\b")


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
