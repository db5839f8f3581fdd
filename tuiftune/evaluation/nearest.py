"""From an eval failure to the training data: the training rows nearest to a test prompt.

By embedding where the inference endpoint has one (``EmbeddingIndex``: cosine similarity of
the prompts' vectors), else Okapi BM25 over the training rows' prompts (``NearestIndex``;
system messages left out, as in the leakage check). Each neighbour names its file and 1-based
line, so a screen can open it in the dataset editor (``OpenRecord(path, line)``) and show its
answer beside the failed output.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tuiftune.evaluation.examples import EvalExample, content_text
from tuiftune.evaluation.overlap_text import record_texts

K1, B = 1.5, 0.75
_WORD = re.compile(r"\w+")


def terms(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits; any script)."""
    return _WORD.findall(text.casefold())


@dataclass(frozen=True)
class TrainingRow:
    """One training row as a neighbour shows it."""

    path: str
    line: int  # 1-based
    prompt: str
    answer: str


@dataclass(frozen=True)
class Neighbour:
    """A training row near a test prompt, and how near (BM25 score or cosine similarity,
    higher is nearer)."""

    row: TrainingRow
    score: float


def rows_of_file(path: str | Path) -> list[TrainingRow]:
    """The rows of a training file that have a prompt (blocking: run it in a thread).

    Raises ``OSError`` when the file cannot be read; lines that are not JSON are left out."""
    import json

    out: list[TrainingRow] = []
    data = Path(path).read_bytes().removeprefix(b"\xef\xbb\xbf")
    for number, raw in enumerate(data.splitlines(), 1):
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        texts = record_texts(value)
        if texts is None or not texts[0].strip():
            continue
        prompt, full = texts
        answer = full[len(prompt) :].strip() if full.startswith(prompt) else full
        out.append(TrainingRow(str(path), number, prompt, answer))
    return out


class NearestIndex:
    """BM25 over training rows' prompts; ``nearest(query)`` ranks them."""

    def __init__(self, rows: Iterable[TrainingRow]) -> None:
        self.rows = list(rows)
        self._postings: dict[str, list[tuple[int, int]]] = {}
        self._lengths: list[int] = []
        for i, row in enumerate(self.rows):
            words = terms(row.prompt)
            self._lengths.append(len(words))
            for term, tf in Counter(words).items():
                self._postings.setdefault(term, []).append((i, tf))
        self._avg = sum(self._lengths) / len(self._lengths) if self._lengths else 0.0

    def nearest(self, query: str, limit: int = 5) -> list[Neighbour]:
        """The ``limit`` best rows for ``query``, best first (ties in file order); none when
        no word is shared."""
        n = len(self.rows)
        scores: dict[int, float] = {}
        for term in set(terms(query)):
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc, tf in postings:
                norm = 1 - B + B * self._lengths[doc] / (self._avg or 1)
                scores[doc] = scores.get(doc, 0.0) + idf * tf * (K1 + 1) / (tf + K1 * norm)
        ranked = sorted((d for d, s in scores.items() if s > 0), key=lambda d: (-scores[d], d))
        return [Neighbour(self.rows[d], scores[d]) for d in ranked[:limit]]


class EmbeddingIndex:
    """Training rows and their embedding vectors (one row each); ``nearest(vector)`` ranks
    them by cosine similarity (one matrix-vector product: 100k rows of 256 floats in ~10 ms)."""

    def __init__(self, rows: Sequence[TrainingRow], vectors: npt.ArrayLike) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(rows):
            raise ValueError(f"{len(rows)} rows but vectors of shape {matrix.shape}")
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.rows = list(rows)
        self.vectors = matrix / np.where(norms > 0, norms, 1.0)

    def nearest(self, query: npt.ArrayLike, limit: int = 5) -> list[Neighbour]:
        """The ``limit`` rows most similar to ``query``, best first (ties in file order)."""
        vector = np.asarray(query, dtype=np.float32).reshape(-1)
        if not self.rows or vector.shape[0] != self.vectors.shape[1]:
            return []
        norm = float(np.linalg.norm(vector))
        scores = self.vectors @ (vector / norm if norm else vector)
        ranked = np.argsort(-scores, kind="stable")[:limit]
        return [Neighbour(self.rows[int(i)], float(scores[i])) for i in ranked]


def query_of(example: EvalExample) -> str:
    """What a test example asks, as a query: its prompt, or its non-system messages' text."""
    if example.prompt is not None:
        return example.prompt
    return " ".join(
        content_text(m.get("content"))
        for m in example.messages or ()
        if m.get("role") not in ("system", "developer")
    )


def nearest_for_failures(
    index: NearestIndex, prompts: Sequence[tuple[int, str]], limit: int = 3
) -> dict[int, list[Neighbour]]:
    """Neighbours for each failed test example, keyed by its 1-based test line."""
    return {line: index.nearest(prompt, limit) for line, prompt in prompts}
