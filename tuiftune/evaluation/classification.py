"""Classification-like test sets: label detection and scikit-learn's metrics in plain Python.

A prediction counts as a label only when, once normalised, it *is* one: a chatty answer that
merely mentions "billing" is not a billing prediction. Anything else is ``OTHER``.
"""

from __future__ import annotations

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


def _ratio(num: int, den: int) -> float:
    # scikit-learn's zero_division=0: an empty denominator scores 0.
    return num / den if den else 0.0


def classification_report(
    references: Sequence[str], outputs: Sequence[str], labels: Sequence[str]
) -> ClassificationReport:
    """Accuracy, per-class P/R/F1 and confusion matrix for one model, as scikit-learn gives them.

    The same definitions as ``precision_recall_fscore_support(..., zero_division=0)``,
    ``f1_score(average="macro")`` and ``confusion_matrix(labels=...)``: counting a few hundred
    pairs does not need scikit-learn's seconds of imports.
    """
    y_true = [label_text(r) for r in references]
    y_pred = [predicted_label(o, labels) for o in outputs]
    classes = list(labels)
    # OTHER is a column of the matrix (answers that named no label), never a reference row
    # that is scored, so it stays out of the per-class table and the macro average.
    matrix_labels = [*classes, OTHER] if OTHER in y_pred or OTHER in y_true else classes
    position = {label: i for i, label in enumerate(matrix_labels)}
    matrix = [[0] * len(matrix_labels) for _ in matrix_labels]
    for true, pred in zip(y_true, y_pred, strict=True):
        row, col = position.get(true), position.get(pred)
        if row is not None and col is not None:
            matrix[row][col] += 1
    true_counts, pred_counts = Counter(y_true), Counter(y_pred)
    hits = Counter(t for t, p in zip(y_true, y_pred, strict=True) if t == p)
    per_class = []
    for label in classes:
        tp, support, predicted = hits[label], true_counts[label], pred_counts[label]
        # F1 as scikit-learn computes it: 2tp / (2tp + fp + fn), not from rounded P and R.
        f1 = _ratio(2 * tp, support + predicted)
        per_class.append(
            ClassMetrics(label, _ratio(tp, predicted), _ratio(tp, support), f1, support)
        )
    accuracy = sum(hits.values()) / len(y_true) if y_true else 0.0
    macro = sum(c.f1 for c in per_class) / len(per_class) if per_class else 0.0
    return ClassificationReport(
        labels=tuple(classes),
        accuracy=accuracy,
        macro_f1=macro,
        per_class=tuple(per_class),
        matrix_labels=tuple(matrix_labels),
        confusion=tuple(tuple(row) for row in matrix),
    )
