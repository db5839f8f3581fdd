"""Every checkpoint of a job (and its base and final model) scored on one test set.

One row per model, in training order (base, checkpoints by step, final): the decisive metric's
mean, the training losses the provider reported at that step, and a paired test of the row
against the final model on the same examples. The best row is the highest score; on a tie
the final model wins, then the later checkpoint (no reason to pick an earlier one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from tuiftune.evaluation.metrics import BINARY_METRICS
from tuiftune.evaluation.paired import DEFAULT_SEED, MetricComparison, compare_metric
from tuiftune.evaluation.results import EvalResult
from tuiftune.evaluation.verdicts import FALLBACK_METRIC, decisive_metric

EntryKind = Literal["base", "checkpoint", "final"]
SIGNIFICANT = 0.05
_KIND_ORDER = {"base": 0, "checkpoint": 1, "final": 2}


@dataclass(frozen=True)
class MatrixEntry:
    """One model of the matrix and what training reported at its step."""

    kind: EntryKind
    model: str
    step: int | None = None  # None for the base model
    losses: dict[str, float] = field(default_factory=dict)  # train_loss, valid_loss, ...

    @property
    def label(self) -> str:
        """``base``, ``step 180`` or ``final``."""
        if self.kind == "checkpoint":
            return f"step {self.step}"
        return self.kind

    def order(self) -> tuple[int, int]:
        """Training order: base, then checkpoints by step, then the final model."""
        return (_KIND_ORDER[self.kind], self.step or 0)


@dataclass(frozen=True)
class MatrixRow:
    """One model's score, and how it compares with the final model."""

    entry: MatrixEntry
    n: int  # examples with a result
    errors: int
    score: float | None  # mean of the metric; an error counts as 0
    vs_final: MetricComparison | None = None  # A = final, B = this row
    best: bool = False

    @property
    def significant(self) -> bool:
        """Whether the difference from the final model is unlikely to be chance (p < 0.05)."""
        return self.vs_final is not None and self.vs_final.p_value < SIGNIFICANT

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "label": self.entry.label,
            "kind": self.entry.kind,
            "model": self.entry.model,
            "step": self.entry.step,
            "losses": self.entry.losses,
            "n": self.n,
            "errors": self.errors,
            "score": self.score,
            "best": self.best,
            "vs_final": self.vs_final.to_dict() if self.vs_final else None,
        }


@dataclass(frozen=True)
class CheckpointMatrix:
    """The rows in training order and the metric that ranks them."""

    metric: str
    rows: tuple[MatrixRow, ...]

    @property
    def best(self) -> MatrixRow | None:
        """The row marked best (None before any result)."""
        return next((r for r in self.rows if r.best), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        best = self.best
        return {
            "metric": self.metric,
            "best": best.entry.model if best else None,
            "rows": [r.to_dict() for r in self.rows],
        }


def ranking_metric(keys: Sequence[str]) -> str:
    """The metric that ranks the rows: the pass rule's exact match, else F1, else the first."""
    found = decisive_metric(keys)
    if found is not None:
        return found
    if FALLBACK_METRIC in keys:
        return FALLBACK_METRIC
    if not keys:
        raise ValueError("no metric to rank the checkpoints by")
    return keys[0]


def _scores(results: Iterable[EvalResult], model: str, metric: str) -> dict[int, float]:
    out: dict[int, float] = {}
    for r in results:
        if r.model != model:
            continue
        value = r.scores.get(metric)
        if r.error:
            out[r.index] = 0.0  # a model that cannot answer has not got it right
        elif value is not None:
            out[r.index] = float(value)
    return out


def build_matrix(
    entries: Sequence[MatrixEntry],
    results: Sequence[EvalResult],
    metric: str,
    *,
    seed: int = DEFAULT_SEED,
) -> CheckpointMatrix:
    """The matrix of ``entries`` from the eval's results (any order, partial runs too)."""
    ordered = sorted(entries, key=MatrixEntry.order)
    per_model = {e.model: _scores(results, e.model, metric) for e in ordered}
    final = next((e for e in ordered if e.kind == "final"), None)
    final_scores = per_model.get(final.model, {}) if final else {}
    rows: list[MatrixRow] = []
    for entry in ordered:
        mine = per_model[entry.model]
        errors = sum(1 for r in results if r.model == entry.model and r.error)
        score = sum(mine.values()) / len(mine) if mine else None
        comparison = None
        shared = sorted(set(mine) & set(final_scores))
        if final is not None and entry.model != final.model and shared:
            comparison = compare_metric(
                metric,
                [final_scores[i] for i in shared],
                [mine[i] for i in shared],
                binary=metric in BINARY_METRICS,
                seed=seed,
            )
        rows.append(MatrixRow(entry, len(mine), errors, score, comparison))
    scored = [(i, r) for i, r in enumerate(rows) if r.score is not None]
    if scored:
        # Equal scores go to the later model in training order (final, then later steps).
        best_i, _ = max(scored, key=lambda ir: (ir[1].score, ir[1].entry.order()))
        rows[best_i] = replace(rows[best_i], best=True)
    return CheckpointMatrix(metric, tuple(rows))
