"""What sits in front of every ``/v1`` route: auth, latency, rate limits and injected faults."""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections import deque
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from tuiftune.server.body_limits import LimitedBody, declared_length, limit_for
from tuiftune.server.errors import (
    NO_KEY_MESSAGE,
    OVERLOADED_MESSAGE,
    SERVER_ERROR_MESSAGE,
    APIError,
    rate_limited,
)
from tuiftune.server.ids import new_id
from tuiftune.server.options import ServerOptions

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
HTTP_FAULTS = ("500", "503", "429")
NETWORK_FAULTS = ("drop", "hang")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def api_key(scope: Scope) -> str:
    """The bearer token (or Azure's ``api-key`` header); empty when there is none."""
    auth = (_header(scope, b"authorization") or "").strip()
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return (_header(scope, b"api-key") or "").strip()


class Gateway:
    """ASGI middleware; streaming-safe because it never buffers a response."""

    def __init__(self, app: ASGIApp, options: ServerOptions) -> None:
        self.app = app
        self.options = options
        self._rng = random.Random(f"faults:{options.seed}")
        self._window: deque[float] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1"):
            await self.app(scope, receive, send)
            return
        headers = {"x-request-id": new_id("req_", 32)}
        if self.options.latency_ms > 0:
            await asyncio.sleep(self.options.latency_ms / 1000)
        try:
            if not api_key(scope):
                raise APIError(401, NO_KEY_MESSAGE)
            headers.update(self._admit())
            fault = self._draw_fault()
            limit = limit_for(scope, self.options)
            declared = declared_length(scope)
            if declared is not None and declared > limit.limit:
                # Refused before reading a byte of it; uvicorn discards what the client sends.
                raise limit.error()
        except APIError as exc:
            exc.headers.update(headers)
            await exc.response()(scope, receive, send)
            return
        if fault is not None:
            await self._inject(fault, scope, receive, send, headers)
            return
        body = LimitedBody(receive, limit)
        try:
            await self.app(scope, body, _adding_headers(send, headers))
        except ClientDisconnect:
            # The client's own doing, and nothing can be answered: one line, no traceback.
            log.warning(
                "client left during %s %s after sending %d bytes of its body",
                scope["method"],
                scope["path"],
                body.received,
            )

    def _admit(self) -> dict[str, str]:
        """Count the request against the sliding window; raise a 429 when it is full."""
        rpm = self.options.rate_limit_rpm
        if rpm is None:
            return {}
        now = self.options.clock()
        while self._window and self._window[0] <= now - WINDOW_SECONDS:
            self._window.popleft()
        if len(self._window) >= rpm:
            wait = max(1, math.ceil(self._window[0] + WINDOW_SECONDS - now))
            message = (
                f"Rate limit reached for requests in organization org-{self.options.org} on "
                f"requests per min (RPM): Limit {rpm}, Used {len(self._window)}, Requested 1. "
                f"Please try again in {wait}s. Visit "
                "https://platform.openai.com/account/rate-limits to learn more."
            )
            raise rate_limited(message, wait, _limit_headers(rpm, 0, wait))
        self._window.append(now)
        reset = max(0.0, self._window[0] + WINDOW_SECONDS - now)
        return _limit_headers(rpm, rpm - len(self._window), math.ceil(reset))

    def _draw_fault(self) -> str | None:
        if self.options.fail_rate <= 0 or self._rng.random() >= self.options.fail_rate:
            return None
        kinds = HTTP_FAULTS + NETWORK_FAULTS if self.options.network_faults else HTTP_FAULTS
        return self._rng.choice(kinds)

    async def _inject(
        self, fault: str, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]
    ) -> None:
        if fault == "drop":
            # Promise a body, send part of it and stop: the server then closes the connection.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"4096"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"id": "', "more_body": True})
            return
        if fault == "hang":
            if await _wait_for_disconnect(receive, self.options.hang_seconds):
                return
            fault = "500"
        error = {
            "500": APIError(500, SERVER_ERROR_MESSAGE, type="server_error"),
            "503": APIError(503, OVERLOADED_MESSAGE, type="server_error"),
            "429": rate_limited("Rate limit reached for requests. Please try again in 1s.", 1, {}),
        }[fault]
        error.headers.update(headers)
        await error.response()(scope, receive, send)


def _limit_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "x-ratelimit-limit-requests": str(limit),
        "x-ratelimit-remaining-requests": str(max(0, remaining)),
        "x-ratelimit-reset-requests": f"{reset}s",
    }


def _adding_headers(send: Send, headers: dict[str, str]) -> Send:
    encoded = [(k.encode(), v.encode()) for k, v in headers.items()]

    async def wrapped(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *encoded]}
        await send(message)

    return wrapped


async def _wait_for_disconnect(receive: Receive, seconds: float) -> bool:
    """Read until the client goes away; False if it is still there after ``seconds``."""

    async def drain() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(drain(), seconds)
    except TimeoutError:
        return False
    return True
