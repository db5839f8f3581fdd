"""Helpers for the local trainer's tests: a stand-in generator, servers on TCP, deadlines."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import openai

T = TypeVar("T")
FAKE_ENGINE = Path(__file__).with_name("fake_engine.py")


class FakeGenerator:
    """Answers with which adapter (folder name) and base it used, and the last user text."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def _answer(self, base: str, adapter: str | None, text: str, params: Any) -> Iterator[Any]:
        self.calls.append((base, adapter))
        who = Path(adapter).name if adapter else "base"
        words = f"{who}@{base} heard: {text}".split(" ")
        produced = 0
        for i, word in enumerate(words):
            if params.max_tokens is not None and produced >= params.max_tokens:
                usage = SimpleNamespace(prompt_tokens=len(text.split()), completion_tokens=produced)
                yield SimpleNamespace(text="", finish_reason="length", usage=usage)
                return
            produced += 1
            yield SimpleNamespace(text=word + (" " if i < len(words) - 1 else ""))
        usage = SimpleNamespace(prompt_tokens=len(text.split()), completion_tokens=produced)
        yield SimpleNamespace(text="", finish_reason="stop", usage=usage)

    def chat(
        self, base: str, adapter: str | None, messages: list[Any], params: Any
    ) -> Iterator[Any]:
        return self._answer(base, adapter, str(messages[-1]["content"]), params)

    def complete(self, base: str, adapter: str | None, prompt: str, params: Any) -> Iterator[Any]:
        return self._answer(base, adapter, prompt, params)


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 30.0
) -> T:
    """Poll ``probe`` until ``done`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not done after {timeout} s: {value!r}")
        await asyncio.sleep(0.05)


def chat_rows(n: int = 12) -> list[dict[str, Any]]:
    """``n`` tiny chat examples."""
    return [
        {
            "messages": [
                {"role": "user", "content": f"ticket {i}: printer on fire"},
                {"role": "assistant", "content": f"label-{i % 3}"},
            ]
        }
        for i in range(n)
    ]


def legacy_rows(n: int = 12) -> list[dict[str, Any]]:
    """``n`` prompt/completion examples."""
    return [{"prompt": f"ticket {i} ->", "completion": f" label-{i % 3}"} for i in range(n)]


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    """Rows as JSONL bytes."""
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


async def upload(client: openai.AsyncOpenAI, rows: list[dict[str, Any]]) -> str:
    """Upload rows for fine-tuning; the file id."""
    file = await client.files.create(file=("train.jsonl", jsonl(rows)), purpose="fine-tune")
    return file.id


def pid_alive(pid: int) -> bool:
    """Whether a process still exists (and is not a zombie)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


def method(kind: str = "supervised", **hyperparameters: Any) -> Any:
    """A ``method`` argument for ``jobs.create`` (typed loosely: it carries our extras)."""
    return {"type": kind, kind: {"hyperparameters": hyperparameters}}
