"""The checkpoint matrix: rows in training order, the best is the highest score (ties to the
later model), errors count as wrong, each row is tested against the final model."""

from __future__ import annotations

import pytest

from tuiftune.evaluation.checkpoint_matrix import MatrixEntry, build_matrix, ranking_metric
from tuiftune.evaluation.results import EvalResult

ENTRIES = [
    MatrixEntry("final", "ft:m:x"),
    MatrixEntry("checkpoint", "ft:m:x:ckpt-step-20", 20, {"train_loss": 0.4}),
    MatrixEntry("base", "m"),
    MatrixEntry("checkpoint", "ft:m:x:ckpt-step-10", 10, {"train_loss": 0.9}),
]


def _results(model: str, passes: list[int], errors: tuple[int, ...] = ()) -> list[EvalResult]:
    return [
        EvalResult(i, model, "x", "y", {"em_norm": float(p)}, error="boom" if i in errors else None)
        for i, p in enumerate(passes)
    ]


def test_rows_in_training_order_and_the_best_is_the_highest() -> None:
    results = [
        *_results("m", [0] * 10),
        *_results("ft:m:x:ckpt-step-10", [1] * 9 + [0]),
        *_results("ft:m:x:ckpt-step-20", [1] * 6 + [0] * 4),
        *_results("ft:m:x", [1] * 5 + [0] * 5),
    ]
    matrix = build_matrix(ENTRIES, results, "em_norm")
    assert [r.entry.label for r in matrix.rows] == ["base", "step 10", "step 20", "final"]
    assert [r.score for r in matrix.rows] == pytest.approx([0.0, 0.9, 0.6, 0.5])
    assert [r.best for r in matrix.rows] == [False, True, False, False]
    assert matrix.best is not None and matrix.best.entry.step == 10
    step10 = matrix.rows[1].vs_final
    assert step10 is not None and step10.test == "mcnemar-exact"
    assert (step10.wins, step10.losses, step10.n) == (4, 0, 10)
    assert step10.difference == pytest.approx(0.4)
    assert matrix.rows[-1].vs_final is None
    assert matrix.to_dict()["best"] == "ft:m:x:ckpt-step-10"


def test_ties_go_to_the_later_model_and_errors_count_as_wrong() -> None:
    results = [
        *_results("m", [1, 1, 1, 1]),
        *_results("ft:m:x:ckpt-step-10", [1, 1, 1, 1], errors=(0,)),
        *_results("ft:m:x:ckpt-step-20", [1, 1, 1, 0]),
        *_results("ft:m:x", [1, 1, 1, 1]),
    ]
    matrix = build_matrix(ENTRIES, results, "em_norm")
    assert [r.score for r in matrix.rows] == pytest.approx([1.0, 0.75, 0.75, 1.0])
    assert matrix.rows[1].errors == 1
    assert matrix.best is not None and matrix.best.entry.kind == "final"


def test_partial_results_and_the_ranking_metric() -> None:
    matrix = build_matrix(ENTRIES, _results("m", [1, 0]), "em_norm")
    assert [r.n for r in matrix.rows] == [2, 0, 0, 0]
    assert matrix.best is not None and matrix.best.entry.kind == "base"
    assert build_matrix(ENTRIES, [], "em_norm").best is None
    assert ranking_metric(["f1", "em", "em_norm"]) == "em_norm"
    assert ranking_metric(["bleu", "f1"]) == "f1"
    assert ranking_metric(["rougeL"]) == "rougeL"
