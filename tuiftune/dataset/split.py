"""Train/validation split: seeded, stratified by label, duplicates kept on one side.

A small seeded split with ``random.Random`` instead of scikit-learn's ``train_test_split``:
scikit-learn (and numpy/scipy) is a heavy dependency for a few lines of shuffling, and it
cannot keep groups of duplicates together while stratifying.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tuiftune.dataset.atomic import atomic_writer
from tuiftune.dataset.dataset_rules import label_counts
from tuiftune.dataset.document import Document
from tuiftune.dataset.formats import Format
from tuiftune.dataset.models import DEFAULT_CHAT_MODEL, model_info
from tuiftune.dataset.record import lint_record
from tuiftune.dataset.rules.base import canonical_key

if TYPE_CHECKING:
    from tuiftune.dataset.linter import Linter

DEFAULT_FRACTION = 0.1


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line left out of an output file, and why."""

    line: int
    reason: str


@dataclass(slots=True)
class SplitPlan:
    """Which positions go to each side (file order) and what was left out."""

    train: list[int]
    validation: list[int]
    skipped: list[Skipped]
    stratified: bool
    # label -> (train count, validation count), only for a stratified split
    classes: dict[str, tuple[int, int]] = field(default_factory=dict)
    grouped: int = 0  # records that share their group with another record (duplicates)


def write_file(target: Path, chunks: Iterable[bytes], *, overwrite: bool = False) -> None:
    """Write ``chunks`` as a new file with ``atomic_writer`` (blocking: run it in a thread)."""
    with atomic_writer(target, overwrite=overwrite) as fh:
        fh.writelines(chunks)


class _Labels:
    """The two things ``label_counts`` reads from a linter, from our own record pass.

    Going through ``label_counts`` keeps one definition of "looks like classification".
    """

    def __init__(self, examples: int, labels: list[str]) -> None:
        self._examples, self._labels = examples, labels

    def examples(self) -> int:
        return self._examples

    def labels(self) -> Iterator[str]:
        return iter(self._labels)


def _no_tokens(_: str) -> int:
    return 0  # token counts do not matter here; skipping the tokenizer makes the pass cheap


def _find_root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _groups(doc: Document) -> tuple[list[list[int]], list[str | None], list[Skipped], bool]:
    """Positions grouped by exact duplicate or shared prompt, each group's label, skipped lines."""
    model = model_info(DEFAULT_CHAT_MODEL)
    kept: list[int] = []
    labels: list[str | None] = []
    parent: list[int] = []
    owner: dict[tuple[str, int], int] = {}
    skipped: list[Skipped] = []
    for pos in range(len(doc)):
        result, value = lint_record(doc.raw_at(pos), _no_tokens, model)
        if result.fmt is Format.BLANK:
            skipped.append(Skipped(pos + 1, "blank line"))
            continue
        if result.fmt is Format.INVALID:
            why = result.findings[0].message if result.findings else "invalid record"
            skipped.append(Skipped(pos + 1, why))
            continue
        i = len(kept)
        kept.append(pos)
        labels.append(result.label)
        parent.append(i)
        # The linter's own keys: an exact duplicate or the same prompt (with another answer)
        # on both sides would leak the example into validation.
        keys = [("dup", result.dup_key or canonical_key(value))]
        if result.prompt_key:
            keys.append(("prompt", result.prompt_key))
        for key in keys:
            j = owner.setdefault(key, i)
            if j != i:
                parent[_find_root(parent, i)] = _find_root(parent, j)
    by_root: dict[int, list[int]] = {}
    for i in range(len(kept)):
        by_root.setdefault(_find_root(parent, i), []).append(i)
    groups = [[kept[i] for i in members] for members in by_root.values()]
    group_labels = [labels[members[0]] for members in by_root.values()]
    found = label_counts(cast("Linter", _Labels(len(kept), [x for x in labels if x is not None])))
    return groups, group_labels, skipped, found is not None


def _allocate(sizes: list[int], n_val: int) -> list[int]:
    """Validation quota per stratum, proportional (largest remainder), keeping one in train."""
    total = sum(sizes)
    exact = [n_val * s / total for s in sizes]
    quota = [int(e) for e in exact]  # floor(n_val * s / total) < s because n_val < total
    order = sorted(range(len(sizes)), key=lambda i: (quota[i] - exact[i], i))
    left = n_val - sum(quota)
    for spare in (1, 0):  # first leave each class one training example, then use anything
        while left > 0:
            grew = False
            for i in order:
                if left > 0 and quota[i] < sizes[i] - spare:
                    quota[i] += 1
                    left -= 1
                    grew = True
            if not grew:
                break
    return quota


def validation_size(total: int, fraction: float | None, count: int | None) -> int:
    """How many records go to validation; ValueError when the request cannot be met."""
    if fraction is not None and count is not None:
        raise ValueError("give a validation fraction or a count, not both")
    if count is None:
        fraction = DEFAULT_FRACTION if fraction is None else fraction
        if not 0 < fraction < 1:
            raise ValueError(f"the validation fraction must be between 0 and 1, not {fraction}")
        count = max(1, round(fraction * total))
    if total < 2:
        raise ValueError(f"{total} usable record(s): a split needs at least 2")
    if not 0 < count < total:
        raise ValueError(f"validation count must be between 1 and {total - 1}, not {count}")
    return count


def plan_split(
    doc: Document, *, fraction: float | None = None, count: int | None = None, seed: int = 0
) -> SplitPlan:
    """Choose the validation records (CPU-bound: call it from a worker thread)."""
    groups, group_labels, skipped, stratified = _groups(doc)
    total = sum(len(g) for g in groups)
    n_val = validation_size(total, fraction, count)
    strata: dict[str | None, list[list[int]]] = {}
    for group, label in zip(groups, group_labels, strict=True):
        strata.setdefault(label if stratified else None, []).append(group)
    # Sorted strata so the seed alone decides the outcome (None, unlabeled, goes first).
    keys = sorted(strata, key=lambda k: (k is not None, k or ""))
    quotas = _allocate([sum(len(g) for g in strata[k]) for k in keys], n_val)
    rng = random.Random(seed)
    validation: list[int] = []
    classes: dict[str, tuple[int, int]] = {}
    for key, quota in zip(keys, quotas, strict=True):
        members = strata[key]
        rng.shuffle(members)
        taken = 0
        for group in members:
            if taken + len(group) <= quota:
                validation += group
                taken += len(group)
        if key is not None:
            classes[key] = (sum(len(g) for g in members) - taken, taken)
    if not validation:  # an empty validation file would pass for a split and fail the job
        if len(groups) == 1:
            raise ValueError(
                f"all {total} records share one example or prompt: none can go to "
                "validation without leaking"
            )
        raise ValueError(
            f"each group of records that share an example or prompt is larger "
            f"than the {n_val} validation record(s) asked for: ask for more"
        )
    chosen = set(validation)
    train = [p for g in groups for p in g if p not in chosen]
    return SplitPlan(
        sorted(train),
        sorted(validation),
        skipped,
        stratified,
        classes,
        sum(len(g) for g in groups if len(g) > 1),
    )


def render(doc: Document, positions: list[int]) -> Iterator[bytes]:
    """The records' bytes as they are, each with its own line ending (a final one added)."""
    fallback = doc.dominant_eol()
    for pos in positions:
        rid = doc.id_at(pos)
        yield doc.raw(rid) + (doc.eol(rid) or fallback)


def check_targets(source: Path | None, targets: list[Path], overwrite: bool) -> None:
    """Refuse to write over the source, twice into one file, or over a file unless ``overwrite``."""
    resolved = [t.resolve() for t in targets]
    if len(set(resolved)) < len(resolved):
        raise ValueError("each output must be a different file")
    if source is not None and source.resolve() in resolved:
        raise ValueError(f"refusing to overwrite the source file {source}")
    for target in targets if not overwrite else []:
        if target.exists():
            raise FileExistsError(f"{target} already exists")


def _write(doc: Document, plan: SplitPlan, train: Path, validation: Path, overwrite: bool) -> None:
    check_targets(doc.path, [train, validation], overwrite)
    # Both written before either is renamed into place: a failure leaves neither behind.
    with (
        atomic_writer(train, overwrite=overwrite) as a,
        atomic_writer(validation, overwrite=overwrite) as b,
    ):
        a.writelines(render(doc, plan.train))
        b.writelines(render(doc, plan.validation))


async def write_split(
    doc: Document, plan: SplitPlan, train: Path, validation: Path, *, overwrite: bool = False
) -> None:
    """Write both sides as new files (never the source); FileExistsError unless ``overwrite``."""
    await asyncio.to_thread(_write, doc, plan, train, validation, overwrite)


def default_outputs(path: Path) -> tuple[Path, Path]:
    """``data.train.jsonl`` and ``data.validation.jsonl`` beside ``data.jsonl``."""
    suffix = path.suffix or ".jsonl"
    return (
        path.with_name(f"{path.stem}.train{suffix}"),
        path.with_name(f"{path.stem}.validation{suffix}"),
    )
