"""The hosted providers' REST client: a 2xx body that is not JSON is a ServerError naming the
endpoint and what came back (control characters as escapes), not a bare 'not JSON'."""

from __future__ import annotations

from collections.abc import Mapping

import httpx2
import pytest

from tuiftune.service.errors import ServerError
from tuiftune.service.providers.http_api import HttpApi


async def _no_headers() -> Mapping[str, str]:
    return {}


async def test_a_200_html_page_names_the_endpoint_and_the_body() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        page = b"<html>\x1b]0;pwned\x07 Sign in to the proxy</html>"
        return httpx2.Response(200, content=page, headers={"content-type": "text/html"})

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as client:
        base = "https://api.example.test/v1"
        api = HttpApi(client, base, provider="Together", headers=_no_headers)
        with pytest.raises(ServerError) as info:
            await api.json("GET", "/fine-tunes")
    text = str(info.value)
    assert "GET /fine-tunes with 200" in text
    assert "text/html" in text and "Sign in to the proxy" in text
    assert "\x1b" not in text and "\x07" not in text
