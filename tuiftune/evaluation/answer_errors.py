"""The answers of a run that are errors: every one of them is a failed run (the scores would
all be zeros), some of them a warning. Shared by ``tuiftune eval`` and the Eval screen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tuiftune.evaluation.results import EvalResult


@dataclass(frozen=True)
class AnswerErrors:
    """How many answers of the run are errors, of how many, and the first error (by example)."""

    errored: int
    total: int
    first: str

    @property
    def every(self) -> bool:
        """True when no answer came back at all: the scores would all be zeros."""
        return self.errored == self.total

    @property
    def head(self) -> str:
        """``every request failed (N of N answers are errors)``, or the warning for some."""
        if self.every:
            return f"every request failed ({self.errored} of {self.total} answers are errors)"
        return f"warning: {self.errored} of {self.total} answers are errors"

    def line(self, out: Path) -> str:
        """One line for stderr, naming the first error and where the results are."""
        return f"{self.head}; the first: {self.first}; results in {out}"


def answer_errors(results: Sequence[EvalResult]) -> AnswerErrors | None:
    """The errors among ``results`` (each recorded with its example), None when there is none."""
    errored = sorted((r for r in results if r.error), key=lambda r: (r.index, r.model))
    if not errored:
        return None
    return AnswerErrors(len(errored), len(results), str(errored[0].error))
