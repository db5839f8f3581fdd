"""Classification-like test sets: label detection and scikit-learn metrics.

A prediction counts as a label only when, once normalised, it *is* one: a chatty answer that
merely mentions "billing" is not a billing prediction. Anything else is ``OTHER``.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

OTHER = "(other)"
MAX_LABELS = 50
LABEL_MAX_CHARS = 40
LABEL_MAX_WORDS = 4
_TRIM = " \t\r\n.,;:!?'\"`*()[]{}"


def label_text(text: str) -> str:
    """A label's canonical form: trimmed of quotes and punctuation, lowercased, spaces collapsed."""
    return " ".join(text.strip(_TRIM).lower().split())


def detect_labels(references: Sequence[str]) -> tuple[str, ...] | None:
    """The sorted label set when the references look like class labels, else None.

    Like the dataset linter's check: short answers (a few words), at least two distinct
    ones, and few distinct values relative to the number of examples.
    """
    n = len(references)
    if n < 4:
        return None
    labels: Counter[str] = Counter()
    for ref in references:
        text = ref.strip()
        if not text or len(text) > LABEL_MAX_CHARS or len(text.split()) > LABEL_MAX_WORDS:
            return None
        labels[label_text(text)] += 1
    if not 2 <= len(labels) <= min(MAX_LABELS, n // 2):
        return None
    return tuple(sorted(labels))


def predicted_label(output: str, labels: Sequence[str]) -> str:
    """The label an output names, or ``OTHER``."""
    text = label_text(output)
    return text if text in labels else OTHER


@dataclass(frozen=True)
class ClassMetrics:
    """Precision, recall, F1 and support of one class."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ClassificationReport:
    """Accuracy, per-class metrics, confusion matrix (rows: reference; columns: predicted)."""

    labels: tuple[str, ...]
    accuracy: float
    macro_f1: float
    per_class: tuple[ClassMetrics, ...]
    matrix_labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "labels": list(self.labels),
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": [
                {
                    "label": c.label,
                    "precision": c.precision,
                    "recall": c.recall,
                    "f1": c.f1,
                    "support": c.support,
                }
                for c in self.per_class
            ],
            "confusion": {
                "labels": list(self.matrix_labels),
                "matrix": [list(row) for row in self.confusion],
            },
        }


def classification_report(
    references: Sequence[str], outputs: Sequence[str], labels: Sequence[str]
) -> ClassificationReport:
    """scikit-learn's accuracy, per-class P/R/F1 and confusion matrix for one model."""
    metrics: Any = importlib.import_module("sklearn.metrics")
    y_true = [label_text(r) for r in references]
    y_pred = [predicted_label(o, labels) for o in outputs]
    classes = list(labels)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=classes, zero_division=0
    )
    # OTHER is a column of the matrix (answers that named no label), never a reference row
    # that is scored, so it stays out of the per-class table and the macro average.
    matrix_labels = [*classes, OTHER] if OTHER in y_pred or OTHER in y_true else classes
    matrix = metrics.confusion_matrix(y_true, y_pred, labels=matrix_labels)
    per_class = tuple(
        ClassMetrics(label, float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    )
    return ClassificationReport(
        labels=tuple(classes),
        accuracy=float(metrics.accuracy_score(y_true, y_pred)) if y_true else 0.0,
        macro_f1=float(
            metrics.f1_score(y_true, y_pred, labels=classes, average="macro", zero_division=0)
        ),
        per_class=per_class,
        matrix_labels=tuple(matrix_labels),
        confusion=tuple(tuple(int(v) for v in row) for row in matrix),
    )
