"""The one pass rule: whether a model's output counts as right for its example.

Exact match (normalised, else plain) decides when the run scored it; a run without exact match
falls back to token F1. Tables, the failure filter and the paired comparison's fixed/broke
lists all use this rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tuiftune.evaluation.examples import EvalExample
from tuiftune.evaluation.results import EvalResult

PASS_METRICS: tuple[str, ...] = ("em_norm", "em")  # in order of preference
FALLBACK_METRIC = "f1"
THRESHOLD = 0.5  # binary metrics are 0 or 1; F1 passes from 0.5

Scores = Mapping[str, float | None]


def decisive_metric(metrics: Sequence[str]) -> str | None:
    """The exact-match metric that decides pass/fail among ``metrics``, if any."""
    return next((m for m in PASS_METRICS if m in metrics), None)


def passes(value: float | None) -> bool | None:
    """One score against the threshold; None when it was not scored."""
    return None if value is None else value >= THRESHOLD


def passed(scores: Scores, *, error: str | None = None) -> bool | None:
    """Whether an output passes: an error fails; else the first exact-match score, else F1.

    None when nothing that decides was scored.
    """
    if error:
        return False
    for key in PASS_METRICS:
        if scores.get(key) is not None:
            return passes(scores[key])
    return passes(scores.get(FALLBACK_METRIC))


def result_passed(result: EvalResult | None) -> bool | None:
    """``passed`` for one result; None when there is no result yet."""
    return None if result is None else passed(result.scores, error=result.error)


@dataclass(frozen=True)
class Row:
    """One example and each model's result for it (in the order of the models)."""

    example: EvalExample
    results: tuple[EvalResult | None, ...]

    def failed(self, which: str) -> bool:
        """``last``: the last model (B, or A alone) got it wrong; ``any``: some model did.

        Missing results are not failures.
        """
        if which == "last":
            return bool(self.results) and result_passed(self.results[-1]) is False
        return any(result_passed(r) is False for r in self.results)


def build_rows(
    examples: Sequence[EvalExample], results: Sequence[EvalResult], models: Sequence[str]
) -> list[Row]:
    """One row per example, in file order, with the results of ``models`` in order."""
    found = {(r.index, r.model): r for r in results}
    return [Row(ex, tuple(found.get((ex.index, m)) for m in models)) for ex in examples]
