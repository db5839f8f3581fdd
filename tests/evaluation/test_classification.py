"""Classification metrics agree with scikit-learn called directly."""

from __future__ import annotations

import random

import pytest
from sklearn import metrics  # type: ignore[import-untyped]

from tuiftune.evaluation import OTHER, classification_report, detect_labels
from tuiftune.evaluation.classification import predicted_label

LABELS = ("account", "billing", "feedback", "shipping", "technical")


def test_detect_labels() -> None:
    refs = ["billing", "Billing.", "shipping", "account", "shipping", "billing"]
    assert detect_labels(refs) == ("account", "billing", "shipping")
    assert detect_labels(["a long free-form answer that is a sentence", "b", "c", "d"]) is None
    assert detect_labels(["x", "y", "z", "w"]) is None  # every answer distinct
    assert detect_labels(["x", "x", "x", "x"]) is None  # one class
    assert detect_labels(["x", "y"]) is None  # too few examples


def test_predicted_label_is_strict() -> None:
    assert predicted_label(" Billing.\n", LABELS) == "billing"
    assert predicted_label('"shipping"', LABELS) == "shipping"
    assert predicted_label("I think this is about billing", LABELS) == OTHER


def test_report_matches_sklearn() -> None:
    rng = random.Random(4)
    refs = [rng.choice(LABELS) for _ in range(200)]
    outs = [
        r if rng.random() < 0.6 else rng.choice([*LABELS, "no idea", "The answer is billing"])
        for r in refs
    ]
    report = classification_report(refs, outs, LABELS)
    y_pred = [predicted_label(o, LABELS) for o in outs]
    assert report.accuracy == pytest.approx(metrics.accuracy_score(refs, y_pred))
    p, r, f, s = metrics.precision_recall_fscore_support(
        refs, y_pred, labels=list(LABELS), zero_division=0
    )
    for i, cls in enumerate(report.per_class):
        assert cls.label == LABELS[i]
        assert (cls.precision, cls.recall, cls.f1, cls.support) == pytest.approx(
            (p[i], r[i], f[i], s[i])
        )
    assert report.macro_f1 == pytest.approx(
        metrics.f1_score(refs, y_pred, labels=list(LABELS), average="macro", zero_division=0)
    )
    assert report.matrix_labels == (*LABELS, OTHER)
    expected = metrics.confusion_matrix(refs, y_pred, labels=[*LABELS, OTHER])
    assert [list(row) for row in report.confusion] == expected.tolist()
    assert sum(map(sum, report.confusion)) == 200
    assert report.to_dict()["confusion"]["labels"][-1] == OTHER


def test_perfect_predictions_have_no_other_column() -> None:
    refs = ["a", "b", "a", "b"]
    report = classification_report(refs, refs, ("a", "b"))
    assert report.accuracy == 1.0
    assert report.matrix_labels == ("a", "b")
    assert report.confusion == ((2, 0), (0, 2))
