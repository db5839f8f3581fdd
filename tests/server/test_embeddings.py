"""``POST /v1/embeddings`` through the real openai SDK: its response types, float and base64
(the SDK's default) alike, ``dimensions``, deterministic vectors whose cosine follows shared
words, the model reported as the hashed bag of words it is, OpenAI's errors."""

from __future__ import annotations

import math

import openai
import pytest
from openai.types import CreateEmbeddingResponse

from tests.server.helpers import Sandbox
from tuiftune.server.api.embeddings import REPORTED_MODEL


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


async def test_embeddings_with_the_sdk_types(sandbox: Sandbox) -> None:
    texts = ["where is my parcel", "my parcel has not arrived", "reset my password"]
    got = await sandbox.client.embeddings.create(
        model="text-embedding-3-small", input=texts, dimensions=64, encoding_format="float"
    )
    assert isinstance(got, CreateEmbeddingResponse)
    assert got.model == REPORTED_MODEL  # says what made the vectors
    assert [d.index for d in got.data] == [0, 1, 2]
    vectors = [d.embedding for d in got.data]
    assert all(len(v) == 64 and math.isclose(cosine(v, v), 1.0) for v in vectors)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    assert got.usage.prompt_tokens == 4 + 5 + 3
    # the SDK's default encoding (base64 float32) decodes to the same vectors
    again = await sandbox.client.embeddings.create(
        model="text-embedding-3-small", input=texts[0], dimensions=64
    )
    assert again.data[0].embedding == pytest.approx(vectors[0], abs=1e-6)
    full = await sandbox.client.embeddings.create(model="text-embedding-ada-002", input=[[1, 2]])
    assert len(full.data[0].embedding) == 1536


async def test_embeddings_errors_are_openais(sandbox: Sandbox) -> None:
    client = sandbox.client
    with pytest.raises(openai.NotFoundError):
        await client.embeddings.create(model="gpt-4o-mini", input="x")
    with pytest.raises(openai.BadRequestError) as bad:
        await client.embeddings.create(model="text-embedding-3-small", input="")
    assert bad.value.body["param"] == "input[0]"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError):
        await client.embeddings.create(model="text-embedding-3-small", input="x", dimensions=0)
    with pytest.raises(openai.BadRequestError):
        await client.embeddings.create(model="text-embedding-ada-002", input="x", dimensions=8)
