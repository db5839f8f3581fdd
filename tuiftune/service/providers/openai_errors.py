"""The OpenAI provider's error edge: the ``openai`` SDK's exceptions as ``service.errors``
types, with the server's own message (scrubbed of keys) and what to do about it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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


def map_error(exc: BaseException, *, fine_tuning: bool = False) -> BaseException:
    """Translate an SDK exception into a ``ServiceError``; anything else is returned as is."""
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
    try:
        yield
    except openai.OpenAIError as exc:
        mapped = map_error(exc, fine_tuning=fine_tuning)
        if isinstance(mapped, AuthError):
            # Drop the chain: the SDK's own message may quote part of the key.
            raise mapped from None
        raise mapped from exc
