"""Request bodies with a size limit: refused by their declared length before any byte is read,
or as soon as the bytes that arrive pass the limit, so memory and disk stay bounded."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope

from tuiftune.server.errors import APIError, invalid
from tuiftune.server.options import ServerOptions

MAX_JSON_BYTES = 64 * 1024 * 1024
"""Any other body (JSON requests): far above a real request, far below a memory problem."""
MAX_PART_BYTES = 64 * 1024 * 1024
"""OpenAI's limit for one part of an Upload."""
FORM_SLACK = 64 * 1024
"""Room for the multipart boundaries and small fields around the file itself."""
_PARTS = re.compile(r"^/v1/uploads/[^/]+/parts$")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n} bytes"


@dataclass(frozen=True)
class BodyLimit:
    """How many body bytes a request may send, and the 400 it gets for more."""

    limit: int
    message: str
    param: str | None = None

    def error(self) -> APIError:
        """The 400 for a body over the limit."""
        return invalid(self.message, param=self.param)


def limit_for(scope: Scope, options: ServerOptions) -> BodyLimit:
    """The limit on a request's body: files and upload parts by their own caps, JSON by one."""
    path = scope["path"]
    if scope["method"] == "POST" and path == "/v1/files":
        most = options.max_upload_bytes
        message = (
            f"File is too large: this server accepts files of at most {_mb(most)}; "
            "send a larger one in parts through the Uploads API."
        )
        return BodyLimit(most + FORM_SLACK, message, "file")
    if scope["method"] == "POST" and _PARTS.match(path):
        most = min(MAX_PART_BYTES, options.max_upload_bytes)
        return BodyLimit(most + FORM_SLACK, f"Each part may be at most {_mb(most)}.", "data")
    return BodyLimit(MAX_JSON_BYTES, f"The request body is larger than {_mb(MAX_JSON_BYTES)}.")


def declared_length(scope: Scope) -> int | None:
    """The ``Content-Length`` header as a number; None when absent or not a number."""
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            text = bytes(value).decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 20 else None
    return None


class LimitedBody:
    """Wraps ``receive``: counts body bytes and raises the limit's 400 once they pass it.

    The app then answers while the rest of the body is still arriving; uvicorn throws away
    whatever the client sends after the response, so nothing more is kept.
    """

    def __init__(self, receive: Receive, limit: BodyLimit) -> None:
        self._receive = receive
        self.limit = limit
        self.received = 0

    async def __call__(self) -> MutableMapping[str, Any]:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit.limit:
                raise self.limit.error()
        return message
