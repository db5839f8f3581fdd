"""The OpenAI provider's error edge: the ``openai`` SDK's exceptions as ``service.errors``
types, with the server's own message (scrubbed of keys) and what to do about it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
import openai

from tuiftune.service.errors import (
    AuthError,
    BadRequestError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ServiceError,
    parse_retry_after,
)

FINE_TUNING_CLOSED = (
    "OpenAI no longer lets new users create fine-tuning jobs. Use Azure OpenAI (a profile with "
    "kind = azure) or try the workflow locally with --sandbox."
)


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


class NotJsonError(openai.APIResponseValidationError):
    """A 2xx answer to a JSON call that is not a JSON object (a proxy's login page, a list)."""


def _shown(raw: bytes, limit: int = 80) -> str:
    # What came back, as data: one line, control characters as escapes, cut to ``limit``.
    text = raw.decode("utf-8", "replace").strip()
    flat = " ".join(text.split())
    safe = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in flat)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def _shape(raw: bytes) -> str | None:
    """None when ``raw`` is a JSON object, else what it is instead."""
    try:
        body = json.loads(raw)
    except ValueError:  # also UnicodeDecodeError
        return "a body that is not JSON"
    if isinstance(body, dict):
        data = body.get("data")
        if body.get("object") == "list" and not isinstance(data, list):
            return f"a list object whose data is {type(data).__name__}, not a list"
        return None
    if isinstance(body, list):
        return "a JSON list, not an object"
    return "a JSON string, not an object" if isinstance(body, str) else "a bare JSON value"


async def _check_json(response: httpx2.Response) -> None:
    """Refuse a 2xx answer to a JSON call that is not a JSON object, before the SDK's parser
    turns it into a ``str`` or ``list`` that later fails as an ``AttributeError``."""
    request = response.request
    if response.status_code >= 300 or request.headers.get("accept") != "application/json":
        return  # errors are the SDK's; file downloads ask for application/binary
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "text/event-stream":
        return  # a stream: its events are parsed as they arrive
    raw = await response.aread()
    if not raw and (response.status_code == 204 or request.method == "DELETE"):
        return  # nothing to parse, and the SDK expects nothing
    what = _shape(raw) if ctype.endswith("json") else "a body that is not JSON"
    if what is None:
        return
    shown = _shown(raw) or "(empty)"
    message = (
        f"{request.url.host or 'the server'} answered {request.method} {request.url.path} "
        f"with {response.status_code} and {what} ({ctype or 'no content type'}: {shown}); "
        "is a proxy or a login page in the way? Check the profile's base URL."
    )
    raise NotJsonError(response, None, message=message)


def expect_json(client: openai.AsyncOpenAI) -> openai.AsyncOpenAI:
    """Make ``client`` refuse 2xx answers that are not JSON objects (``NotJsonError``, which
    ``translated`` turns into a ``ServerError`` naming the endpoint and what came back)."""
    # The SDK has no public hook on its HTTP client; an OpenAIError raised by a response hook
    # leaves the SDK as it is, without retries. with_options() copies share this client.
    hooks = client._client.event_hooks
    if _check_json not in hooks["response"]:
        hooks["response"].append(_check_json)
        client._client.event_hooks = hooks
    return client


def map_error(exc: BaseException, *, fine_tuning: bool = False) -> BaseException:
    """Translate an SDK exception into a ``ServiceError``; anything else is returned as is."""
    if isinstance(exc, ServiceError) or not isinstance(exc, openai.OpenAIError):
        return exc
    if isinstance(exc, NotJsonError):
        return ServiceError(exc.message, status=exc.status_code)
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
    try:
        yield
    except openai.OpenAIError as exc:
        mapped = map_error(exc, fine_tuning=fine_tuning)
        if isinstance(mapped, AuthError):
            # Drop the chain: the SDK's own message may quote part of the key.
            raise mapped from None
        raise mapped from exc
