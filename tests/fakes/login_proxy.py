"""A proxy in front of an OpenAI-compatible endpoint that answers with a login page (200,
text/html), reached through the non-JSON guard the wiring installs; and a real answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import openai

from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.openai import from_clients
from tuiftune.service.providers.openai_errors import expect_json

LOGIN = httpx2.Response(200, text="<html>log in</html>", headers={"content-type": "text/html"})
ANSWER: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "billing"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
}


def proxy_provider(handler: Callable[[httpx2.Request], httpx2.Response]) -> Provider:
    """The OpenAI provider on ``http://proxy.invalid/v1``, each request answered by
    ``handler``, no retries."""
    client = openai.AsyncOpenAI(
        api_key="k",
        base_url="http://proxy.invalid/v1",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )
    return from_clients(expect_json(client), label="PROXY")
