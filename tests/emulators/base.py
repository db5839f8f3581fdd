# mypy: disable-error-code="import-not-found"
"""What every provider emulator shares: fault injection, strict JSON replies, transports.

An emulator is a Starlette app. The provider module under test reaches it through an
``httpx2`` ASGI transport, and the official SDK (which uses the original ``httpx``) through an
``httpx`` one, so both talk to the very same routes and state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx2
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.emulators.contract import strict


@dataclass
class Fault:
    """Answer ``times`` requests matching ``method`` and ``path`` (a regex) with ``status``."""

    method: str
    path: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class Recorded:
    """One request the emulator received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


class FaultLayer:
    """ASGI middleware: records every request and replays the injected faults first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        self.requests.append(
            Recorded(
                request.method,
                request.url.path,
                dict(request.query_params),
                {k.lower(): v for k, v in request.headers.items()},
                body,
            )
        )
        for fault in self.faults:
            if (
                fault.times
                and fault.method == request.method
                and re.search(fault.path, scope["path"])
            ):
                fault.times -= 1
                reply = Response(
                    content=b"" if fault.body is None else JSONResponse(fault.body).body,
                    status_code=fault.status,
                    headers=fault.headers,
                    media_type="application/json",
                )
                await reply(scope, receive, send)
                return
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        await self.app(scope, replay, send)

    def fail(self, method: str, path: str, status: int, body: Any = None, **kw: Any) -> None:
        """Inject a fault (see ``Fault``)."""
        self.faults.append(Fault(method, path, status, body, **kw))


def reply(tp: Any, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON reply that must validate strictly into the SDK type ``tp`` first."""
    strict(tp, data)
    return JSONResponse(data, status_code=status, headers=headers)


def error(status: int, message: str, *, grpc: str | None = None, **extra: Any) -> JSONResponse:
    """An error body in the OpenAI-like shape the hosted providers use; ``grpc`` adds Google's
    ``status`` word (Fireworks' errors carry one)."""
    body = {"message": message, **extra, **({"status": grpc} if grpc else {})}
    return JSONResponse({"error": body}, status_code=status)


def provider_client(app: ASGIApp, base_url: str) -> httpx2.AsyncClient:
    """An ``httpx2`` client that sends every request into ``app`` (the provider module's side)."""
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=base_url)


def sdk_client(app: ASGIApp, base_url: str) -> Any:
    """An original-``httpx`` client into ``app``, for driving the official SDK."""
    import httpx  # installed beside the SDKs (tests/emulators/sdks.py)

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
