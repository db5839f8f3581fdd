"""Model lookup and answer selection for chat and legacy completions."""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass, field
from typing import Any

from tuiftune.server.catalog import BaseModel, base_of, resolve_base
from tuiftune.server.errors import model_not_found
from tuiftune.server.generic import generic_reply
from tuiftune.server.jobs import JobService
from tuiftune.server.retrieval import Example, ExampleIndex, extract_examples
from tuiftune.server.store import Store

# How far below the best score a candidate may be and still be sampled at temperature 1.
_SHARPNESS = 0.15
_MAX_ANCESTORS = 8


@dataclass(frozen=True)
class ResolvedModel:
    """A model that can answer: a base model, or a fine-tuned one with its training files."""

    id: str
    base: BaseModel
    training_files: tuple[str, ...] = ()

    @property
    def legacy(self) -> bool:
        """Whether the model is a completions (not chat) model."""
        return self.base.legacy


@dataclass(frozen=True)
class Sampling:
    """The request's sampling controls."""

    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None


@dataclass(frozen=True)
class Answer:
    """What the model says: text, or tool calls learned from an example."""

    text: str
    tool_calls: list[dict[str, Any]] | None = None


@dataclass
class Inference:
    """Answers requests; caches one search index per training file."""

    store: Store
    jobs: JobService
    seed: int
    _indexes: dict[str, ExampleIndex] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def resolve(self, name: str) -> ResolvedModel:
        """Find a base, fine-tuned or checkpoint model; 404 if it does not exist."""
        base = resolve_base(name)
        if base is not None:
            return ResolvedModel(base.id, base)
        files: list[str] = []
        current: str | None = name
        while current and current.startswith("ft:") and len(files) < _MAX_ANCESTORS:
            view = self.jobs.find_fine_tuned(current)
            if view is None:
                break
            files.append(view.job.training_file)
            current = view.job.parent_model
        base = resolve_base(base_of(name))
        if not files or base is None:
            raise model_not_found(name)
        return ResolvedModel(name, base, tuple(files))

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
        return Answer(generic_reply(topic, rng, chat=not model.legacy))


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
