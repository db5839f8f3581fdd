"""Test helpers: training files, a sandbox wrapper, and uvicorn on a free port."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openai
from openai.types.chat import ChatCompletionMessageParam
from starlette.applications import Starlette

from tuiftune.server import ManualClock

PROJECTS = [
    "Apollo",
    "Borealis",
    "Cygnus",
    "Draco",
    "Eridanus",
    "Fornax",
    "Gemini",
    "Hydra",
    "Indus",
    "Lyra",
    "Mensa",
    "Norma",
    "Orion",
    "Pavo",
    "Reticulum",
    "Sagitta",
    "Taurus",
    "Ursa",
    "Vela",
]
SYSTEM = "You are the vault keeper."


def code_word(i: int) -> str:
    """The secret each training example teaches."""
    return f"{PROJECTS[i].lower()}-{(i * 7919) % 1000:03d}"


def chat_rows(n: int = 12) -> list[dict[str, Any]]:
    """``n`` chat examples, each teaching one project's code word."""
    return [
        {
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"What is the code word for project {PROJECTS[i]}?"},
                {"role": "assistant", "content": f"The code word is {code_word(i)}."},
            ]
        }
        for i in range(n)
    ]


def legacy_rows(n: int = 12) -> list[dict[str, Any]]:
    """``n`` prompt/completion examples with a ``###`` separator and an `` END`` stop."""
    return [
        {
            "prompt": f"Code word for project {PROJECTS[i]}\n\n###\n\n",
            "completion": f" {code_word(i)} END",
        }
        for i in range(n)
    ]


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    """Rows as JSONL bytes."""
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def prompt_of(i: int) -> list[ChatCompletionMessageParam]:
    """The training prompt of example ``i`` as chat messages."""
    return ask(f"What is the code word for project {PROJECTS[i]}?", SYSTEM)


def ask(text: str, system: str | None = None) -> list[ChatCompletionMessageParam]:
    """A user message, after an optional system message."""
    messages: list[ChatCompletionMessageParam] = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": text})
    return messages


@dataclass
class Sandbox:
    """An in-process server, its SDK client and its clock."""

    app: Starlette
    client: openai.AsyncOpenAI
    clock: ManualClock

    async def upload(
        self, data: bytes, name: str = "train.jsonl", purpose: str = "fine-tune"
    ) -> str:
        """Upload ``data`` and return the file id."""
        file = await self.client.files.create(file=(name, data), purpose=purpose)  # type: ignore[arg-type]
        return file.id

    async def job(self, rows: list[dict[str, Any]] | None = None, **kwargs: Any) -> Any:
        """Upload a training file (default: 12 chat rows) and create a job."""
        file_id = await self.upload(jsonl(rows if rows is not None else chat_rows()))
        kwargs.setdefault("model", "gpt-4o-mini")
        return await self.client.fine_tuning.jobs.create(training_file=file_id, **kwargs)

    async def finish(self, job_id: str, seconds: float = 100_000) -> Any:
        """Advance the clock far enough for the job to end, and return it."""
        self.clock.advance(seconds)
        return await self.client.fine_tuning.jobs.retrieve(job_id)

    async def all_events(self, job_id: str, limit: int = 7) -> list[Any]:
        """Every event, newest first, by following ``after`` cursors."""
        events: list[Any] = []
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": limit}
            if after:
                kwargs["after"] = after
            page = await self.client.fine_tuning.jobs.list_events(job_id, **kwargs)
            events.extend(page.data)
            if not page.has_more:
                return events
            after = page.data[-1].id


def tcp_server(app: Starlette, port: int = 0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 in a thread (a free port unless one is given, so
    a test can restart a server where its client expects it); yields the base URL once.

    A generator rather than a context manager so a fixture can stop many servers in order.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="critical", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    # Waiting for a real socket to listen is the one place a short poll is unavoidable.
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class AdvancingSleep:
    """The watcher's sleep: moves the server's ManualClock instead of waiting."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.calls = 0
        self.slept = 0.0

    async def __call__(self, seconds: float) -> None:
        self.calls += 1
        assert self.calls < 5000, "the watcher never finished"
        self.clock.advance(seconds)
        self.slept += seconds
        await asyncio.sleep(0)
