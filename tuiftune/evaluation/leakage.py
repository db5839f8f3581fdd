"""Leakage and overlap between files: rows of one file that are also (or nearly) in another.

Three kinds, strongest first: ``exact`` (the same normalised text), ``prompt`` (the same
normalised prompt with another answer: the test question was trained on) and ``near``
(character 3-gram Jaccard similarity at or over a threshold: a reworded or edited copy).
Near candidates come from MinHash LSH (datasketch) and are then confirmed with the exact
Jaccard similarity, so a reported ``near`` hit is never a hashing accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Literal

from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]

from tuiftune.evaluation.overlap_text import RowText, read_rows, shingles

Kind = Literal["exact", "prompt", "near"]
NEAR_THRESHOLD = 0.5
"""Jaccard of character 3-grams. Planted rewordings in the tests score 0.54-0.67; the closest
pair across eight disjoint shared real datasets scores 0.38 (lens-qa vs salescall-dpo)."""
NUM_PERM = 64
LSH_SLACK = 0.7
MIN_PROMPT_CHARS = 12  # "yes", "hi": a shared short prompt is not a leak by itself
SHOWN_LINES = 5


@dataclass(frozen=True)
class Overlap:
    """One row of the second file found in the first: both files and both lines."""

    kind: Kind
    similarity: float
    first_path: str
    first_lines: tuple[int, ...]  # every matching line of the first file, ascending
    second_path: str
    second_line: int

    def describe(self) -> str:
        """One line for a person: ``test.jsonl line 4 = train.jsonl line 12 (exact)``."""
        shown = ", ".join(str(n) for n in self.first_lines[:SHOWN_LINES])
        more = len(self.first_lines) - SHOWN_LINES
        extra = f" and {more:,} more" if more > 0 else ""
        lines = f"line{'s' if len(self.first_lines) > 1 else ''} {shown}{extra}"
        what = {
            "exact": "the same text",
            "prompt": "the same prompt, another answer",
            "near": f"near duplicate, similarity {self.similarity:.2f}",
        }[self.kind]
        return f"{self.second_path} line {self.second_line} ~ {self.first_path} {lines}: {what}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "kind": self.kind,
            "similarity": round(self.similarity, 4),
            "first": {"path": self.first_path, "lines": list(self.first_lines)},
            "second": {"path": self.second_path, "line": self.second_line},
        }


@dataclass(frozen=True)
class PairReport:
    """The overlaps of one pair of files."""

    first_path: str
    second_path: str
    first_rows: int
    second_rows: int
    overlaps: tuple[Overlap, ...] = field(default_factory=tuple)

    def counts(self) -> dict[Kind, int]:
        """How many rows of the second file overlap, by kind."""
        out: dict[Kind, int] = {"exact": 0, "prompt": 0, "near": 0}
        for o in self.overlaps:
            out[o.kind] += 1
        return out

    def summary(self) -> str:
        """``3 of 40 rows of test.jsonl are in train.jsonl (2 exact, 1 near)`` or ``no overlap``."""
        if not self.overlaps:
            return f"{self.second_path} and {self.first_path}: no overlap"
        parts = ", ".join(f"{n} {k}" for k, n in self.counts().items() if n)
        return (
            f"{len(self.overlaps):,} of {self.second_rows:,} rows of {self.second_path} are in "
            f"{self.first_path} ({parts})"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "first": self.first_path,
            "second": self.second_path,
            "first_rows": self.first_rows,
            "second_rows": self.second_rows,
            "counts": self.counts(),
            "overlaps": [o.to_dict() for o in self.overlaps],
        }


def jaccard(a: set[str], b: set[str]) -> float:
    """|a & b| / |a | b| (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _minhash(grams: Iterable[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([g.encode("utf-8") for g in grams])
    return m


class _Signatures:
    """Shingles and MinHash of each distinct text, computed once however many files ask."""

    def __init__(self) -> None:
        self._grams: dict[str, set[str]] = {}
        self._hashes: dict[str, MinHash] = {}

    def grams(self, text: str) -> set[str]:
        if text not in self._grams:
            self._grams[text] = shingles(text)
        return self._grams[text]

    def minhash(self, text: str) -> MinHash:
        if text not in self._hashes:
            self._hashes[text] = _minhash(self.grams(text))
        return self._hashes[text]


def _group(rows: Iterable[RowText], key: Callable[[RowText], str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for row in rows:
        k = key(row)
        if k:
            out.setdefault(k, []).append(row.line)
    return out


def _prompt_key(row: RowText) -> str:
    return row.prompt if len(row.prompt) >= MIN_PROMPT_CHARS else ""


class _Index:
    """One file's rows, ready to be asked whether another row is in it."""

    def __init__(self, rows: Sequence[RowText], sigs: _Signatures, threshold: float) -> None:
        self.path = rows[0].path if rows else ""
        self.threshold = threshold
        self._sigs = sigs
        self._by_text = _group(rows, lambda r: r.full)
        self._by_prompt = _group(rows, _prompt_key)
        self._texts = list(self._by_text)  # identical rows are indexed once
        # The index is looser than the threshold: MinHash estimates near it are noisy (64
        # permutations), and every candidate is confirmed with the exact Jaccard below.
        self._lsh = MinHashLSH(threshold=threshold * LSH_SLACK, num_perm=NUM_PERM)
        for i, text in enumerate(self._texts):
            self._lsh.insert(i, sigs.minhash(text))

    def match(self, row: RowText) -> Overlap | None:
        """The strongest overlap of ``row`` with this file, or None."""
        lines = self._by_text.get(row.full)
        if lines:
            return Overlap("exact", 1.0, self.path, tuple(lines), row.path, row.line)
        lines = self._by_prompt.get(_prompt_key(row)) if _prompt_key(row) else None
        if lines:
            return Overlap("prompt", 1.0, self.path, tuple(lines), row.path, row.line)
        mine = self._sigs.grams(row.full)
        best, best_text = 0.0, ""
        for i in self._lsh.query(self._sigs.minhash(row.full)):
            score = jaccard(mine, self._sigs.grams(self._texts[i]))
            if score >= self.threshold and score > best:
                best, best_text = score, self._texts[i]
        if not best_text:
            return None
        lines = self._by_text[best_text]
        return Overlap("near", best, self.path, tuple(lines), row.path, row.line)


def find_overlaps(
    first: Sequence[RowText],
    second: Sequence[RowText],
    *,
    threshold: float = NEAR_THRESHOLD,
) -> list[Overlap]:
    """Every row of ``second`` that is in ``first``, exactly, by prompt or nearly; the
    strongest kind for each row, in the order of ``second``."""
    if not first or not second:
        return []
    index = _Index(first, _Signatures(), threshold)
    return [o for o in map(index.match, second) if o is not None]


def compare_rows(
    first: Sequence[RowText],
    second: Sequence[RowText],
    names: tuple[str, str],
    *,
    threshold: float = NEAR_THRESHOLD,
) -> PairReport:
    """The report for two files already read (``names``: how the report calls them)."""
    found = find_overlaps(first, second, threshold=threshold)
    return PairReport(names[0], names[1], len(first), len(second), tuple(found))


def compare_files(
    paths: Sequence[str | Path], *, threshold: float = NEAR_THRESHOLD
) -> list[PairReport]:
    """Reports for every pair of ``paths`` (earlier file first); blocking: run in a thread.

    Raises ``OSError`` for a file that cannot be read."""
    rows = {str(p): read_rows(p) for p in dict.fromkeys(str(p) for p in paths)}
    sigs = _Signatures()
    indexes: dict[str, _Index] = {}
    reports: list[PairReport] = []
    for a, b in combinations(rows, 2):
        found: list[Overlap] = []
        if rows[a] and rows[b]:
            if a not in indexes:
                indexes[a] = _Index(rows[a], sigs, threshold)
            index = indexes[a]
            found = [o for o in map(index.match, rows[b]) if o is not None]
        reports.append(PairReport(a, b, len(rows[a]), len(rows[b]), tuple(found)))
    return reports
