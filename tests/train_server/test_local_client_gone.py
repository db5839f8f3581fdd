"""A client that gives up on a plain (not streamed) answer stops its generation: the model is
free again for the next request instead of writing on to its context length."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import openai
import pytest

from .conftest import StartServer
from .helpers import eventually


class EndlessGenerator:
    """A model that never writes its end token: one word every 20 ms until it is closed."""

    def __init__(self) -> None:
        self.words = 0
        self.closed = threading.Event()

    def _words(self) -> Iterator[Any]:
        try:
            while True:
                time.sleep(0.02)
                self.words += 1
                yield SimpleNamespace(text="more ")
        finally:
            self.closed.set()

    def chat(self, base: str, adapter: str | None, messages: Any, params: Any) -> Iterator[Any]:
        return self._words()

    def complete(self, base: str, adapter: str | None, prompt: str, params: Any) -> Iterator[Any]:
        return self._words()


@pytest.mark.parametrize("kind", ["chat", "completion"])
async def test_a_timed_out_client_stops_the_generation(fake_server: StartServer, kind: str) -> None:
    endless = EndlessGenerator()
    server = fake_server(generator_factory=lambda: endless)
    client = server.client.with_options(timeout=1.0)
    with pytest.raises(openai.APITimeoutError):
        if kind == "chat":
            await client.chat.completions.create(
                model="tiny-base", messages=[{"role": "user", "content": "hi"}]
            )
        else:
            await client.completions.create(model="tiny-base", prompt="hi")
    await eventually(lambda: _ready(endless), lambda closed: closed, timeout=5)


async def _ready(endless: EndlessGenerator) -> bool:
    return endless.closed.is_set()
