"""Embedding a training file's rows on the sandbox, through the OpenAI provider and the real
SDK: batched with progress, the model the server reports, cached by file hash and model (the
second look sends no row), a provider without the endpoint saying so; cosine ranking."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tests.fakes.file_provider import EchoInference
from tuiftune.evaluation.nearest import EmbeddingIndex, TrainingRow
from tuiftune.server import ServerOptions
from tuiftune.server.api.embeddings import REPORTED_MODEL
from tuiftune.service import embeddings
from tuiftune.service.embeddings import embed_rows, embed_texts, file_digest, no_endpoint
from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import Embedded, InferenceProvider
from tuiftune.service.providers.openai import from_clients
from tuiftune.wiring import build_sandbox_client

PROMPTS = [
    "my invoice shows the wrong amount",
    "the app crashes when I upload a photo",
    "where is my parcel, the tracking number does not work",
    "please close my account",
    "I was charged twice on my invoice",
]


class Counting(EchoInference):
    """Echo chat, and the sandbox's embeddings, counting the texts sent to ``embed``."""

    def __init__(self, inner: InferenceProvider) -> None:
        self.inner, self.sent = inner, 0

    async def embed(
        self, model: str, texts: Sequence[str], *, dimensions: int | None = None
    ) -> Embedded:
        self.sent += len(texts)
        return await self.inner.embed(model, texts, dimensions=dimensions)


async def test_rows_embedded_in_batches_cached_and_ranked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "BATCH", 2)
    provider = from_clients(build_sandbox_client(ServerOptions(state_dir=tmp_path / "state")))
    async with provider:
        inference = Counting(provider.inference)
        seen: list[tuple[int, int]] = []
        digest = file_digest(b"\n".join(p.encode() for p in PROMPTS))
        made = await embed_rows(
            inference, PROMPTS, digest, cache=tmp_path / "cache", progress=lambda *a: seen.append(a)
        )
        assert seen == [(2, 5), (4, 5), (5, 5)] and inference.sent == 5
        assert made.model == REPORTED_MODEL and made.vectors.shape == (5, 256)
        assert not made.cached
        # the same file again: from the cache, no row sent
        again = await embed_rows(inference, PROMPTS, digest, cache=tmp_path / "cache")
        assert again.cached and inference.sent == 5 and again.model == REPORTED_MODEL
        assert np.array_equal(again.vectors, made.vectors)
        # another model is another cache entry
        other = await embed_rows(
            inference, PROMPTS, digest, model="text-embedding-ada-002", cache=tmp_path / "cache"
        )
        assert not other.cached and other.vectors.shape == (5, 1536)
        # ranked by cosine: the invoice question finds the two invoice rows first
        rows = [TrainingRow("train.jsonl", i + 1, p, "") for i, p in enumerate(PROMPTS)]
        query = await embed_texts(inference, ["a wrong amount on my invoice"])
        found = EmbeddingIndex(rows, made.vectors).nearest(query.vectors[0], 2)
        assert [n.row.line for n in found] == [1, 5]
        assert found[0].score > found[1].score > 0


async def test_a_provider_without_the_endpoint_says_so() -> None:
    with pytest.raises(ServiceError) as caught:
        await embed_texts(EchoInference(), ["x"])
    assert no_endpoint(caught.value)


def test_embedding_index_ties_zero_vectors_and_shapes() -> None:
    rows = [TrainingRow("t", i + 1, f"p{i}", "") for i in range(3)]
    index = EmbeddingIndex(rows, [[1.0, 0.0], [0.0, 0.0], [2.0, 0.0]])
    assert [n.row.line for n in index.nearest([3.0, 0.0])] == [1, 3, 2]  # tie in file order
    assert index.nearest([0.0, 0.0, 1.0]) == []  # another model's size: nothing, no crash
    with pytest.raises(ValueError):
        EmbeddingIndex(rows, [[1.0, 0.0]])
