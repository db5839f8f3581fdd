"""Paired comparison of two models on the same examples, with a significance test.

Binary metrics (exact match) use McNemar's exact test: a two-sided binomial test on the
discordant pairs (scipy.stats.binomtest's value, in exact integer arithmetic). Continuous
metrics use a seeded paired bootstrap of the mean difference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tuiftune.evaluation.verdicts import THRESHOLD, decisive_metric, passes

BOOTSTRAP_SAMPLES = 10_000
DEFAULT_SEED = 12345


@dataclass(frozen=True)
class MetricComparison:
    """B against A on one metric: per-example wins/losses/ties and the test on the difference."""

    metric: str
    n: int
    mean_a: float
    mean_b: float
    wins: int  # B scored higher than A
    losses: int  # B scored lower than A
    ties: int
    test: str  # "mcnemar-exact" or "paired-bootstrap"
    p_value: float
    ci_low: float | None = None  # 95% interval of mean(B - A), bootstrap only
    ci_high: float | None = None

    @property
    def difference(self) -> float:
        """mean(B) - mean(A)."""
        return self.mean_b - self.mean_a

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "metric": self.metric,
            "n": self.n,
            "mean_a": self.mean_a,
            "mean_b": self.mean_b,
            "difference": self.difference,
            "wins": self.wins,
            "losses": self.losses,
            "ties": self.ties,
            "test": self.test,
            "p_value": self.p_value,
            "ci95": None if self.ci_low is None else [self.ci_low, self.ci_high],
        }


@dataclass(frozen=True)
class PairedComparison:
    """Model B against model A (the baseline) over the examples both have scores for."""

    model_a: str
    model_b: str
    metrics: tuple[MetricComparison, ...]
    fixed: tuple[int, ...] = ()  # indices A got wrong and B right (on ``decisive``)
    broke: tuple[int, ...] = ()  # indices A got right and B wrong
    decisive: str | None = None  # the binary metric behind fixed/broke
    extra: dict[str, Any] = field(default_factory=dict)

    def metric(self, name: str) -> MetricComparison | None:
        """The comparison on one metric, if it was made."""
        return next((m for m in self.metrics if m.metric == name), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model_a": self.model_a,
            "model_b": self.model_b,
            "metrics": [m.to_dict() for m in self.metrics],
            "decisive_metric": self.decisive,
            "fixed": list(self.fixed),
            "broke": list(self.broke),
        }


def mcnemar_exact(a_correct: Sequence[bool], b_correct: Sequence[bool]) -> float:
    """Two-sided exact McNemar p-value: binomial test of the discordant pairs at p = 0.5."""
    only_a = sum(1 for a, b in zip(a_correct, b_correct, strict=True) if a and not b)
    only_b = sum(1 for a, b in zip(a_correct, b_correct, strict=True) if b and not a)
    if only_a + only_b == 0:
        return 1.0
    # At p = 0.5 the distribution is symmetric: scipy's two-sided value is twice the smaller
    # tail (capped at 1), here summed exactly over binomial coefficients.
    n = only_a + only_b
    tail = sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1))
    return min(1.0, 2 * tail / (1 << n))


def paired_bootstrap(
    a: Sequence[float],
    b: Sequence[float],
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float, float]:
    """(p-value, CI low, CI high) of mean(b - a) by resampling examples with replacement.

    The two-sided p-value is twice the share of resampled mean differences on the far side of
    zero (capped at 1), the usual paired-bootstrap test for comparing two systems.
    """
    import numpy as np  # only a comparison of two models needs it

    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    n = len(diff)
    if n == 0:
        return 1.0, 0.0, 0.0
    if not np.any(diff):
        return 1.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = np.empty(samples)
    # Chunks keep memory flat for large test sets (samples x n indices at once could be GBs).
    chunk = max(1, 2_000_000 // n)
    for start in range(0, samples, chunk):
        stop = min(samples, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = diff[idx].mean(axis=1)
    # (k + 1) / (B + 1): a finite bootstrap can bound a p-value, never show it as zero.
    below = (int(np.sum(means <= 0)) + 1) / (samples + 1)
    above = (int(np.sum(means >= 0)) + 1) / (samples + 1)
    p_value = min(1.0, 2 * min(below, above))
    low, high = np.percentile(means, [2.5, 97.5])
    return p_value, float(low), float(high)


def compare_metric(
    metric: str,
    a: Sequence[float],
    b: Sequence[float],
    *,
    binary: bool,
    seed: int = DEFAULT_SEED,
    samples: int = BOOTSTRAP_SAMPLES,
) -> MetricComparison:
    """Compare two aligned score lists on one metric."""
    import numpy as np

    n = len(a)
    wins = sum(1 for x, y in zip(a, b, strict=True) if y > x)
    losses = sum(1 for x, y in zip(a, b, strict=True) if y < x)
    mean_a = float(np.mean(a)) if n else 0.0
    mean_b = float(np.mean(b)) if n else 0.0
    if binary:
        p = mcnemar_exact([x >= THRESHOLD for x in a], [y >= THRESHOLD for y in b])
        return MetricComparison(
            metric, n, mean_a, mean_b, wins, losses, n - wins - losses, "mcnemar-exact", p
        )
    p, low, high = paired_bootstrap(a, b, samples=samples, seed=seed)
    return MetricComparison(
        metric, n, mean_a, mean_b, wins, losses, n - wins - losses, "paired-bootstrap", p, low, high
    )


def compare_models(
    model_a: str,
    model_b: str,
    scores_a: Mapping[int, Mapping[str, float | None]],
    scores_b: Mapping[int, Mapping[str, float | None]],
    metrics: Sequence[str],
    *,
    binary: frozenset[str] = frozenset({"em", "em_norm"}),
    seed: int = DEFAULT_SEED,
    samples: int = BOOTSTRAP_SAMPLES,
) -> PairedComparison:
    """Compare B with A on each metric over the examples (by index) both models have."""
    shared = sorted(set(scores_a) & set(scores_b))
    out: list[MetricComparison] = []
    for metric in metrics:
        idx = [
            i
            for i in shared
            if scores_a[i].get(metric) is not None and scores_b[i].get(metric) is not None
        ]
        if not idx:
            continue
        a = [float(scores_a[i][metric] or 0.0) for i in idx]
        b = [float(scores_b[i][metric] or 0.0) for i in idx]
        out.append(
            compare_metric(metric, a, b, binary=metric in binary, seed=seed, samples=samples)
        )
    decisive = decisive_metric(metrics)
    fixed: list[int] = []
    broke: list[int] = []
    if decisive is not None:
        for i in shared:
            x, y = passes(scores_a[i].get(decisive)), passes(scores_b[i].get(decisive))
            if x is None or y is None:
                continue
            if y and not x:
                fixed.append(i)
            elif x and not y:
                broke.append(i)
    return PairedComparison(model_a, model_b, tuple(out), tuple(fixed), tuple(broke), decisive)
