"""The simulated trainer's responder: fine-tuned models answer from their training data (BM25).

A training prompt gets its trained answer, a near one gets its neighbour's, and anything
else (and every base model) gets a generic reply that mentions the question's topic.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from tuiftune.server import tokens
from tuiftune.server.catalog import base_of, resolve_base
from tuiftune.server.generation import Sampling, shape_output
from tuiftune.server.generic import generic_reply
from tuiftune.server.ids import stable_id
from tuiftune.server.records import JobRecord
from tuiftune.server.retrieval import Example, ExampleIndex, extract_examples
from tuiftune.server.store import Store
from tuiftune.server.streaming import split_chunks
from tuiftune.server.trainers.base import ChatRequest, CompletionRequest, Piece, ResolvedModel
from tuiftune.server.trainers.progress import JobProgress

# How far below the best score a candidate may be and still be sampled at temperature 1.
_SHARPNESS = 0.15
_MAX_ANCESTORS = 8

FindModel = Callable[[str], tuple[JobRecord, JobProgress] | None]


@dataclass(frozen=True)
class Answer:
    """What the model says: text, or tool calls learned from an example."""

    text: str
    tool_calls: list[dict[str, Any]] | None = None


@dataclass
class RetrievalResponder:
    """Answers requests; caches one search index per training file."""

    store: Store
    find_model: FindModel
    seed: int
    _indexes: dict[str, ExampleIndex] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def resolve(self, name: str) -> ResolvedModel | None:
        """A base, fine-tuned or checkpoint model; None if it does not exist."""
        base = resolve_base(name)
        if base is not None:
            return ResolvedModel(base.id, base, chat=not base.legacy, completions=base.legacy)
        files: list[str] = []
        current: str | None = name
        while current and current.startswith("ft:") and len(files) < _MAX_ANCESTORS:
            found = self.find_model(current)
            if found is None:
                break
            files.append(found[0].training_file)
            current = found[0].parent_model
        base = resolve_base(base_of(name))
        if not files or base is None:
            return None
        return ResolvedModel(
            name, base, tuple(files), chat=not base.legacy, completions=base.legacy
        )

    async def chat(self, model: ResolvedModel, request: ChatRequest) -> AsyncIterator[Piece]:
        """One chat choice: the retrieved answer, shaped by ``stop`` and ``max_tokens``."""
        messages, gen = request.messages, request.gen
        query = "\n".join(tokens.message_text(m.get("content")) for m in messages)
        users = [m for m in messages if m.get("role") == "user"] or messages
        topic = tokens.message_text(users[-1].get("content"))
        answer = await self.answer(model, query, topic, gen.sampling, request.choice)
        calls = _tool_calls(answer, request.completion_id) if request.tools else []
        text, finish = shape_output(model.id, answer.text, gen)
        if calls:
            finish = "tool_calls"
        for piece in split_chunks(text):
            yield Piece(piece)
        arguments = "".join(c["function"]["arguments"] for c in calls)
        yield Piece(
            finish_reason=finish,
            tool_calls=calls or None,
            prompt_tokens=tokens.chat_prompt_tokens(model.id, messages),
            completion_tokens=tokens.count(model.id, text + arguments),
        )

    async def complete(
        self, model: ResolvedModel, request: CompletionRequest
    ) -> AsyncIterator[Piece]:
        """One legacy choice: the retrieved continuation of the prompt."""
        prompt, gen = request.prompt, request.gen
        answer = await self.answer(model, prompt, prompt, gen.sampling, request.choice)
        text, finish = shape_output(model.id, answer.text, gen)
        for piece in split_chunks(text):
            yield Piece(piece)
        yield Piece(
            finish_reason=finish,
            prompt_tokens=tokens.count(model.id, prompt),
            completion_tokens=tokens.count(model.id, text),
        )

    async def _index(self, file_id: str) -> ExampleIndex | None:
        if file_id in self._indexes:
            return self._indexes[file_id]
        async with self._locks.setdefault(file_id, asyncio.Lock()):
            if file_id not in self._indexes:
                if file_id not in self.store.files:
                    return None  # the training file was deleted: the model forgot
                data = await self.store.file_bytes(file_id)
                examples = await asyncio.to_thread(extract_examples, data)
                self._indexes[file_id] = await asyncio.to_thread(ExampleIndex, examples)
            return self._indexes[file_id]

    async def answer(
        self, model: ResolvedModel, query: str, topic: str, sampling: Sampling, choice: int
    ) -> Answer:
        """The answer to ``query``; ``topic`` is what a base model's reply should mention."""
        rng = random.Random(f"{self.seed}:{sampling.seed}:{model.id}:{choice}:{query}")
        if sampling.temperature <= 0:
            # Greedy decoding: every choice sees the same random stream.
            rng = random.Random(f"{self.seed}:{sampling.seed}:{model.id}:{query}")
        exact: Example | None = None
        ranked: list[tuple[float, Example]] = []
        # A model fine-tuned from another one knows both training sets; its own comes first.
        for file_id in model.training_files:
            index = await self._index(file_id)
            if index is None:
                continue
            position = index.exact(query)
            if exact is None and position is not None:
                exact = index.examples[position]
            ranked += [(score, index.examples[doc]) for score, doc in index.search(query)]
        ranked.sort(key=lambda pair: -pair[0])
        picked = _pick(exact, ranked[:8], sampling, rng)
        if picked is not None:
            return Answer(picked.answer, picked.tool_calls)
        return Answer(generic_reply(topic, rng, chat=model.chat))


def _tool_calls(answer: Answer, completion_id: str) -> list[dict[str, Any]]:
    calls = []
    for i, call in enumerate(answer.tool_calls or []):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        arguments = function.get("arguments", "{}")
        calls.append(
            {
                "id": stable_id("call_", completion_id, i),
                "type": "function",
                "function": {
                    "name": str(function.get("name", "")),
                    "arguments": arguments if isinstance(arguments, str) else str(arguments),
                },
            }
        )
    return calls


def _pick(
    exact: Example | None,
    ranked: list[tuple[float, Example]],
    sampling: Sampling,
    rng: random.Random,
) -> Example | None:
    # A training prompt gets its trained answer: the model has seen it every epoch. Only
    # above temperature 1 does it sometimes drift to a neighbouring example.
    drift = min(0.5, max(0.0, sampling.temperature - 1.0) * 0.3)
    if exact is not None and rng.random() >= drift:
        return exact
    if not ranked:
        return exact
    if sampling.temperature <= 0:
        return ranked[0][1]
    best = ranked[0][0]
    weights = [math.exp((s - best) / (sampling.temperature * _SHARPNESS * best)) for s, _ in ranked]
    total = sum(weights)
    # Nucleus sampling: keep the most likely candidates that together reach top_p.
    kept: list[tuple[float, Example]] = []
    mass = 0.0
    for weight, (_, example) in zip(weights, ranked, strict=True):
        kept.append((weight, example))
        mass += weight / total
        if mass >= sampling.top_p:
            break
    draw = rng.uniform(0, sum(w for w, _ in kept))
    for weight, example in kept:
        draw -= weight
        if draw <= 0:
            return example
    return kept[-1][1]
