"""Embedding a training file's rows through the inference endpoint (OpenAI's
``/v1/embeddings``), in batches with progress, cached on disk by file hash and model.

The cache holds one ``.npz`` per (file contents, model, dimensions): a second look at the
same file embeds only the query. ``text-embedding-3-*`` vectors are shortened to
``DIMENSIONS`` (OpenAI's ``dimensions`` parameter): a tenth of the bytes of the full 1,536,
and for ranking neighbours close to the full vectors. Cancelling the caller's task stops it
between batches; nothing half-done is cached.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tuiftune.service.errors import (
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
)
from tuiftune.service.providers.base import InferenceProvider

DEFAULT_MODEL = "text-embedding-3-small"
DIMENSIONS = 256
BATCH = 256  # texts a request (OpenAI takes up to 2,048)
MAX_CHARS = 8000  # about 2,000 tokens: well inside the models' 8,192-token input
CACHE_ENV = "TUIFTUNE_EMBEDDINGS_CACHE"  # a folder; "off" disables the cache
Vectors = npt.NDArray[np.float32]


def cache_dir() -> Path | None:
    """Where embeddings are kept (``$TUIFTUNE_EMBEDDINGS_CACHE`` or the user cache folder)."""
    from tuiftune.config_paths import cache_folder

    return cache_folder(CACHE_ENV, "embeddings")


def file_digest(data: bytes) -> str:
    """The cache key of a file's contents."""
    return hashlib.sha256(data).hexdigest()


def dimensions_for(model: str) -> int | None:
    """The ``dimensions`` to ask of a model (only the text-embedding-3 family takes it)."""
    return DIMENSIONS if model.startswith("text-embedding-3") else None


def no_endpoint(exc: ServiceError) -> bool:
    """Whether an error means the endpoint (or the model) is not there, rather than a
    failure worth reporting as one."""
    return isinstance(exc, NotFoundError | BadRequestError | PermissionDeniedError)


@dataclass(frozen=True)
class RowVectors:
    """One vector per text, and the model that made them (as the endpoint reports it)."""

    model: str
    vectors: Vectors
    cached: bool = False


def _cache_path(folder: Path, digest: str, model: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model)[:80]
    return folder / f"{digest[:40]}-{slug}-{dimensions_for(model) or 'full'}.npz"


def _read_cache(path: Path, rows: int) -> RowVectors | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            vectors = data["vectors"].astype(np.float32)
            model = str(data["model"])
    except (OSError, KeyError, ValueError):
        return None
    return RowVectors(model, vectors, cached=True) if vectors.shape[0] == rows else None


def _write_cache(path: Path, found: RowVectors) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, vectors=found.vectors, model=np.array(found.model))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache folder: embed again next time


async def embed_texts(
    inference: InferenceProvider,
    texts: Sequence[str],
    *,
    model: str = DEFAULT_MODEL,
    progress: Callable[[int, int], None] | None = None,
) -> RowVectors:
    """Embed ``texts`` in batches (``progress(done, total)`` after each); raises the
    provider's ``ServiceError`` (``no_endpoint`` tells which mean there is no endpoint)."""
    dims = dimensions_for(model)
    out: list[list[float]] = []
    reported = model
    for start in range(0, len(texts), BATCH):
        batch = [t[:MAX_CHARS] or " " for t in texts[start : start + BATCH]]
        got = await inference.embed(model, batch, dimensions=dims)
        if len(got.vectors) != len(batch):
            raise BadRequestError(
                f"the embeddings endpoint returned {len(got.vectors)} vectors for "
                f"{len(batch)} texts",
                status=None,
            )
        out += got.vectors
        reported = got.model or reported
        if progress is not None:
            progress(len(out), len(texts))
    vectors = np.asarray(out, dtype=np.float32).reshape(len(out), -1)
    return RowVectors(reported, vectors)


async def embed_rows(
    inference: InferenceProvider,
    texts: Sequence[str],
    digest: str,
    *,
    model: str = DEFAULT_MODEL,
    cache: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RowVectors:
    """``embed_texts`` of a file's rows, read from the cache when this file (``digest``)
    was embedded with this model before, and written there after."""
    path = _cache_path(cache, digest, model) if cache is not None else None
    if path is not None:
        found = await asyncio.to_thread(_read_cache, path, len(texts))
        if found is not None:
            return found
    made = await embed_texts(inference, texts, model=model, progress=progress)
    if path is not None:
        await asyncio.to_thread(_write_cache, path, made)
    return made
