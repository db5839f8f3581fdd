"""Answers for the local trainer's models: bases and trained adapters, through the engine's
``Generator`` in a worker thread (torch is imported on the first request, never at start-up)."""

from __future__ import annotations

import asyncio
import threading
import types
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from tuiftune.server.errors import APIError
from tuiftune.server.generation import Generation
from tuiftune.server.trainers.base import (
    ChatRequest,
    CompletionRequest,
    Piece,
    ResolvedModel,
    TrainerHost,
)
from tuiftune.server.trainers.local.lookup import ModelLookup, Target, gen_params
from tuiftune.server.trainers.local.ports import LocalTrainerPort
from tuiftune.server.trainers.local.tool_calls import tool_names, with_tool_calls
from tuiftune.server.trainers.local_engine.config import RequestError


def _usage(piece: Any) -> tuple[int, int]:
    usage = getattr(piece, "usage", None)
    if usage is None:
        return 0, 0
    if isinstance(usage, dict):
        return int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
    return int(getattr(usage, "prompt_tokens", 0)), int(getattr(usage, "completion_tokens", 0))


def _piece(raw: Any) -> Piece:
    prompt, completion = _usage(raw)
    return Piece(
        str(getattr(raw, "text", "") or ""),
        getattr(raw, "finish_reason", None),
        getattr(raw, "tool_calls", None),
        prompt,
        completion,
    )


async def threaded(make: Callable[[], Iterator[Any]]) -> AsyncIterator[Any]:
    """Drive a blocking iterator in its own thread (torch state is per thread); stop it if the
    consumer goes away."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            iterator = make()
            try:
                for item in iterator:
                    loop.call_soon_threadsafe(queue.put_nowait, ("item", item))
                    if stop.is_set():
                        break
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
            loop.call_soon_threadsafe(queue.put_nowait, ("end", None))
        except BaseException as exc:  # handed to the consumer, who raises it
            loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))

    thread = threading.Thread(target=work, name="tuiftune-generate", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = await queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()


class GeneratorResponder(ModelLookup):
    """Generates in this process with the engine's ``Generator`` (an LRU of adapters)."""

    def __init__(self, trainer: LocalTrainerPort, host: TrainerHost) -> None:
        super().__init__(trainer, host)
        self._generator: Any = None
        self._lock = asyncio.Lock()

    async def _get(self) -> Any:
        async with self._lock:
            if self._generator is None:
                self._generator = await asyncio.to_thread(self._build)
            return self._generator

    def _build(self) -> Any:
        options = self.trainer.options
        if options.generator_factory is not None:
            return options.generator_factory()
        from tuiftune.server.trainers.local_engine.generator import Generator

        if options.num_threads:
            import torch  # already loaded by the generator module; this is the server process

            torch.set_num_threads(options.num_threads)
        device = options.devices[0] if options.devices and options.processes == 1 else "auto"
        return Generator(
            base_models=dict(options.base_models),
            max_loaded_adapters=options.max_loaded_adapters,
            device=device,
        )

    def _params(self, gen: Generation, choice: int, tools: list[dict[str, Any]] | None) -> Any:
        params = gen_params(gen, choice, tools)
        if self.trainer.options.generator_factory is not None:
            return types.SimpleNamespace(**params)  # a test's stand-in generator
        from tuiftune.server.trainers.local_engine.generator import GenParams

        return GenParams(**params)

    async def _stream(self, make: Callable[[Any], Iterator[Any]]) -> AsyncIterator[Piece]:
        try:
            generator = await self._get()
            async for raw in threaded(lambda: make(generator)):
                yield _piece(raw)
        except APIError:
            raise
        except RequestError as exc:  # the request's own fault: too long, bad messages, settings
            raise APIError(400, str(exc), type="invalid_request_error") from exc
        except Exception as exc:  # a model that will not load, a bad adapter: one line
            raise APIError(500, f"Generation failed: {exc}", type="server_error") from exc

    def chat(self, model: ResolvedModel, request: ChatRequest) -> AsyncIterator[Piece]:
        """One chat choice from the base model or the adapter."""
        target: Target = model.detail

        def make(generator: Any) -> Iterator[Any]:
            params = self._params(request.gen, request.choice, request.tools)
            result: Iterator[Any] = generator.chat(
                target.base, target.adapter, request.messages, params
            )
            return result

        names = tool_names(request.tools)
        if names:
            seed = f"{request.completion_id}:{request.choice}"
            return with_tool_calls(self._stream(make), names, seed)
        return self._stream(make)

    def complete(self, model: ResolvedModel, request: CompletionRequest) -> AsyncIterator[Piece]:
        """One legacy choice: the prompt continued as plain text."""
        target: Target = model.detail

        def make(generator: Any) -> Iterator[Any]:
            params = self._params(request.gen, request.choice, None)
            result: Iterator[Any] = generator.complete(
                target.base, target.adapter, request.prompt, params
            )
            return result

        return self._stream(make)
