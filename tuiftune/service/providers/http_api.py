"""A small JSON-over-HTTP client for the hosted providers, raising tuiftune's typed errors.

The providers here (Together, Fireworks, Azure's control plane) talk plain REST through
``httpx2``, the HTTP library the ``openai`` SDK already brings, rather than through their own
SDKs: those pin ``rich<15`` (older than Textual's) and bring the original ``httpx`` and aiohttp,
and importing them would cost start-up time. Their official SDKs' models remain the contract:
the emulators in ``tests/emulators/`` check every body against them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import httpx2

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

HeaderSource = Callable[[], Awaitable[Mapping[str, str]]]
Sleep = Callable[[float], Awaitable[None]]
# Methods safe to send twice; a POST is retried only after a 429 (the server did not act on it).
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


def unix(value: Any) -> int | None:
    """Seconds since the epoch from an ISO-8601 string (or a number); None when unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _message(response: httpx2.Response) -> tuple[str, str | None, str | None]:
    """The server's own message, code and parameter, from any of the usual error shapes."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return (text[:300] or response.reason_phrase or "no details", None, None)
    inner = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(inner, str):
        return inner, None, None
    if isinstance(inner, dict):
        msg = inner.get("message") or inner.get("detail") or inner.get("error") or str(inner)
        code = inner.get("code") or inner.get("type")
        param = inner.get("param")
        return str(msg), None if code is None else str(code), None if param is None else str(param)
    return str(body)[:300], None, None


def error_for(response: httpx2.Response, provider: str) -> ServiceError:
    """The typed error for a failed response (401, 403, 404, 429, 4xx, 5xx)."""
    status = response.status_code
    detail, code, param = _message(response)
    rid = response.headers.get("x-request-id") or response.headers.get("x-ms-request-id")
    if status == 401:
        return AuthError(
            f"{provider} rejected the credentials (401). Check the key of this profile "
            "(`tuiftune config show`).",
            status=status,
            request_id=rid,
        )
    if status == 403:
        return PermissionDeniedError(
            f"{provider} does not allow this (403): {detail}", status=status, request_id=rid
        )
    if status == 404:
        return NotFoundError(
            f"Not found on {provider} (404): {detail}", status=status, request_id=rid
        )
    if status == 429:
        return RateLimitedError(
            f"Rate limited by {provider} (429): {detail}",
            retry_after=parse_retry_after(response.headers),
            status=status,
            request_id=rid,
        )
    if status >= 500:
        return ServerError(f"{provider} failed ({status}): {detail}", status=status, request_id=rid)
    where = f" (parameter {param})" if param else ""
    return BadRequestError(
        f"{provider} refused the request ({status}){where}: {detail}",
        param=param,
        code=code,
        status=status,
        request_id=rid,
    )


class HttpApi:
    """JSON requests to one provider: auth headers, typed errors, bounded retries."""

    def __init__(
        self,
        client: httpx2.AsyncClient,
        base_url: str,
        *,
        provider: str,
        headers: HeaderSource,
        max_retries: int = 2,
        sleep: Sleep = asyncio.sleep,
        timeout: float | None = None,
    ) -> None:
        self.client = client
        self.timeout = timeout
        self.base_url = base_url.rstrip("/")
        self.provider = provider
        self.headers = headers
        self.max_retries = max_retries
        self.sleep = sleep

    def without_retries(self, timeout: float | None = None) -> HttpApi:
        """The same API with retries off (a watcher backs off itself)."""
        return HttpApi(
            self.client,
            self.base_url,
            provider=self.provider,
            headers=self.headers,
            max_retries=0,
            sleep=self.sleep,
            timeout=timeout,
        )

    def url(self, path: str) -> str:
        """An absolute URL: ``path`` as is when it already is one."""
        return path if "://" in path else f"{self.base_url}{path}"

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        content: bytes | AsyncIterator[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        redirects_ok: bool = False,
        accept: frozenset[int] = frozenset(),
    ) -> httpx2.Response:
        """Send one request; a 4xx/5xx (or a 3xx unless ``redirects_ok``) raises a typed error,
        except the statuses in ``accept``, returned for the caller to read."""
        attempt = 0
        while True:
            sent_headers = dict(await self.headers()) if auth else {}
            sent_headers.update(headers or {})
            kw: dict[str, Any] = {"headers": sent_headers}
            if self.timeout is not None:
                kw["timeout"] = self.timeout
            try:
                response = await self.client.request(
                    method,
                    self.url(path),
                    json=json,
                    # None, not {}: an empty mapping would drop a query already in the URL.
                    params={k: v for k, v in params.items() if v is not None} if params else None,
                    files=files,
                    content=content,
                    follow_redirects=False,
                    **kw,
                )
            except httpx2.TimeoutException:
                failure: ServiceError = NetworkError(f"The request to {self.provider} timed out.")
            except httpx2.TransportError:
                failure = NetworkError(f"Could not reach {self.provider}: the connection failed.")
            else:
                status = response.status_code
                if status < 300 or (redirects_ok and status < 400) or status in accept:
                    return response
                failure = error_for(response, self.provider)
            retry = failure.transient and attempt < self.max_retries and content is None
            if retry and method not in _IDEMPOTENT and not isinstance(failure, RateLimitedError):
                retry = False
            if not retry:
                raise failure
            wait = getattr(failure, "retry_after", None)
            await self.sleep(min(30.0, wait if wait is not None else 0.5 * 2**attempt))
            attempt += 1

    async def json(self, method: str, path: str, **kw: Any) -> Any:
        """Send a request and return its JSON body (``{}`` for an empty one)."""
        response = await self.send(method, path, **kw)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            ctype = response.headers.get("content-type", "no content type").split(";")[0]
            text = " ".join(response.text.split())
            shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text[:80])
            raise ServerError(
                f"{self.provider} answered {method} {path} with {response.status_code} and a "
                f"body that is not JSON ({ctype}: {shown}); is a proxy or a login page in the "
                "way? Check the profile's base URL.",
                status=response.status_code,
            ) from None
