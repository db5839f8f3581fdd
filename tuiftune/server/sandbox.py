"""An in-process client for the server: the ``openai`` SDK talks to the app with no socket."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import httpx2
from starlette.applications import Starlette

if TYPE_CHECKING:
    from tuiftune.server.options import ServerOptions

SANDBOX_BASE_URL = "http://sandbox.invalid/v1"

_Message = MutableMapping[str, Any]


class _BodyStream(httpx2.AsyncByteStream):
    """The response body, read as the app produces it."""

    def __init__(
        self,
        queue: asyncio.Queue[bytes | BaseException | None],
        task: asyncio.Task[None],
        gone: asyncio.Event,
    ) -> None:
        self._queue = queue
        self._task = task
        self._gone = gone

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise httpx2.RemoteProtocolError(f"the app failed mid-response: {item!r}") from item
            yield item

    async def aclose(self) -> None:
        """Stop the app if it is still producing the body."""
        # The client stopped reading: tell the app the client left, then reap it.
        self._gone.set()
        if not self._task.done():
            self._task.cancel()
        # wait() neither raises the task's own cancellation nor swallows the caller's.
        await asyncio.wait([self._task])


class StreamingASGITransport(httpx2.AsyncBaseTransport):
    """Like ``httpx2.ASGITransport``, but streams the response body instead of buffering it.

    The stock transport runs the app to completion before returning, so a streamed chat
    completion would arrive all at once; this one hands back the response at its first byte.
    """

    def __init__(self, app: Starlette, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Run the app for one request; return once the response headers are known."""
        body = await request.aread()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": self.client,
            "root_path": "",
        }
        queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        started = asyncio.Event()
        gone = asyncio.Event()
        head: dict[str, Any] = {}
        sent_body = False

        async def receive() -> _Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: _Message) -> None:
            if message["type"] == "http.response.start":
                head["status"] = message["status"]
                head["headers"] = message.get("headers", [])
                started.set()
            elif message["type"] == "http.response.body":
                if message.get("body"):
                    queue.put_nowait(bytes(message["body"]))
                if not message.get("more_body", False):
                    queue.put_nowait(None)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except BaseException as exc:
                if not started.is_set():
                    head["error"] = exc
                queue.put_nowait(exc)
                if not isinstance(exc, Exception):
                    raise
            finally:
                started.set()
                queue.put_nowait(None)

        task = asyncio.create_task(run())
        await started.wait()
        if "error" in head:
            await asyncio.gather(task, return_exceptions=True)
            raise head["error"]
        return httpx2.Response(
            head["status"], headers=head["headers"], stream=_BodyStream(queue, task, gone)
        )


def sandbox_http_client(app: Starlette) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` wired to ``app`` in-process; base URL ``http://sandbox.invalid``."""
    return httpx2.AsyncClient(
        transport=StreamingASGITransport(app), base_url="http://sandbox.invalid"
    )


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[StreamingASGITransport]:
    """Run ``app``'s lifespan (its trainer's restore and background tasks) around a transport.

    ``async with serving(create_app(options)) as transport:`` then hand ``transport`` to an
    ``httpx2.AsyncClient`` (base URL ``http://sandbox.invalid``) for the ``openai`` SDK.
    """
    async with app.router.lifespan_context(app):
        yield StreamingASGITransport(app)


class AppTransport(httpx2.AsyncBaseTransport):
    """One app for the transport's whole life: built and started on the first request, its
    lifespan ended by ``aclose`` (which ``httpx2.AsyncClient.aclose`` calls).

    For callers that must hand out a client synchronously; ``build`` runs in a worker thread
    because loading a state folder reads files.
    """

    def __init__(self, build: Callable[[], Starlette]) -> None:
        self._build = build
        self._stack: contextlib.AsyncExitStack | None = None
        self._transport: StreamingASGITransport | None = None
        self._lock = asyncio.Lock()

    async def _started(self) -> StreamingASGITransport:
        async with self._lock:
            if self._transport is None:
                app = await asyncio.to_thread(self._build)
                stack = contextlib.AsyncExitStack()
                self._transport = await stack.enter_async_context(serving(app))
                self._stack = stack
            return self._transport

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Serve one request from the long-lived app."""
        transport = await self._started()
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        """End the app's lifespan (stops its trainer and background tasks)."""
        stack, self._stack, self._transport = self._stack, None, None
        if stack is not None:
            await stack.aclose()


def sandbox_transport(options: ServerOptions | None = None) -> AppTransport:
    """A transport on one app built from ``ServerOptions`` (or the defaults)."""
    from tuiftune.server.app import create_app

    return AppTransport(lambda: create_app(options))
