"""Aggregate results into per-model summaries and, for two models, a paired comparison."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tuiftune.evaluation.classification import ClassificationReport, classification_report
from tuiftune.evaluation.metrics import BINARY_METRICS, corpus_bleu, score_keys
from tuiftune.evaluation.paired import DEFAULT_SEED, PairedComparison, compare_models
from tuiftune.evaluation.results import EvalResult, results_by_model


@dataclass(frozen=True)
class ModelSummary:
    """One model's scores over the examples it has results for."""

    model: str
    n: int
    errors: int
    means: dict[str, float]  # per-example metric -> mean over the examples that have it
    corpus_bleu: float | None = None
    classification: ClassificationReport | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model": self.model,
            "n": self.n,
            "errors": self.errors,
            "means": self.means,
            "corpus_bleu": self.corpus_bleu,
            "classification": self.classification.to_dict() if self.classification else None,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


@dataclass(frozen=True)
class EvalSummary:
    """Everything a report shows: per-model summaries, the comparison, and the run's shape."""

    test_set: str
    total_examples: int
    metrics: tuple[str, ...]  # the per-example score keys, in display order
    models: tuple[ModelSummary, ...]
    comparison: PairedComparison | None = None
    labels: tuple[str, ...] | None = None

    @property
    def complete(self) -> bool:
        """Whether every model has a result for every example."""
        return all(m.n >= self.total_examples for m in self.models)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``--json`` output of ``tuiftune eval``)."""
        return {
            "test_set": self.test_set,
            "examples": self.total_examples,
            "complete": self.complete,
            "metrics": list(self.metrics),
            "labels": list(self.labels) if self.labels else None,
            "models": [m.to_dict() for m in self.models],
            "comparison": self.comparison.to_dict() if self.comparison else None,
        }


def summarize_model(
    model: str,
    results: Sequence[EvalResult],
    keys: Sequence[str],
    *,
    bleu: bool,
    labels: Sequence[str] | None,
) -> ModelSummary:
    """Means of each score, corpus BLEU and the classification report of one model."""
    ordered = sorted(results, key=lambda r: r.index)
    means: dict[str, float] = {}
    for key in keys:
        values = [v for r in ordered if (v := r.scores.get(key)) is not None]
        if values:
            means[key] = sum(values) / len(values)
    outputs = [r.output for r in ordered]
    references = [r.reference for r in ordered]
    return ModelSummary(
        model=model,
        n=len(ordered),
        errors=sum(1 for r in ordered if r.error),
        means=means,
        corpus_bleu=corpus_bleu(outputs, references) if bleu and ordered else None,
        classification=(
            classification_report(references, outputs, labels) if labels and ordered else None
        ),
        prompt_tokens=sum(r.prompt_tokens or 0 for r in ordered),
        completion_tokens=sum(r.completion_tokens or 0 for r in ordered),
    )


def summarize(
    results: Iterable[EvalResult],
    models: Sequence[str],
    groups: Sequence[str],
    *,
    test_set: str = "",
    total_examples: int | None = None,
    labels: Sequence[str] | None = None,
    seed: int = DEFAULT_SEED,
) -> EvalSummary:
    """Summaries of ``models`` (in order) and, for two of them, B compared with A."""
    grouped = results_by_model(results)
    keys = list(score_keys(groups))
    extra = sorted(
        {k for per in grouped.values() for r in per.values() for k in r.scores} - set(keys)
    )
    keys += extra  # e.g. "judge", which no metric group names
    use_labels = tuple(labels) if labels and "class" in groups else None
    summaries = tuple(
        summarize_model(
            m, list(grouped.get(m, {}).values()), keys, bleu="bleu" in groups, labels=use_labels
        )
        for m in models
    )
    comparison = None
    if len(models) == 2:
        a, b = models
        comparison = compare_models(
            a,
            b,
            {i: r.scores for i, r in grouped.get(a, {}).items()},
            {i: r.scores for i, r in grouped.get(b, {}).items()},
            keys,
            binary=BINARY_METRICS,
            seed=seed,
        )
    total = total_examples
    if total is None:
        total = max((s.n for s in summaries), default=0)
    return EvalSummary(test_set, total, tuple(keys), summaries, comparison, use_labels)
