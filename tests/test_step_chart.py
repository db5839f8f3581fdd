"""The metric-by-step chart as text (``eval --job``'s output): plain text without a single
escape for a pipe, ANSI colours among the 16 basic ones for a terminal, never wider than asked."""

from __future__ import annotations

import re

from tuiftune.evaluation.checkpoint_matrix import CheckpointMatrix, MatrixEntry, build_matrix
from tuiftune.evaluation.results import EvalResult
from tuiftune.step_chart import chart_data, matrix_points, text_chart

LOSSES = {3: 2.0, 6: 1.2, 9: 0.9}


def _matrix() -> CheckpointMatrix:
    entries = [MatrixEntry("base", "m")]
    for step, loss in LOSSES.items():
        entries.append(MatrixEntry("checkpoint", f"m:{step}", step, {"train_loss": loss}))
    entries += [MatrixEntry("final", "m:final", 9, {"train_loss": 0.9})]
    passes = {"m": 0, "m:3": 2, "m:6": 6, "m:9": 4, "m:final": 4}
    results = [
        EvalResult(i, model, "x", "y", {"em_norm": float(i < n)})
        for model, n in passes.items()
        for i in range(8)
    ]
    return build_matrix(entries, results, "em_norm")


def test_plain_text_for_a_pipe_and_colours_for_a_terminal() -> None:
    matrix = _matrix()
    points = matrix_points(matrix)
    assert [(p.step, p.get("train_loss")) for p in points] == list(LOSSES.items())
    data = chart_data(points, (3, 6, 9), matrix)
    plain = text_chart(data, width=80)
    assert "\x1b" not in plain
    lines = plain.splitlines()
    assert max(len(line) for line in lines) <= 80 and len(lines) <= 18
    assert "best: step 6 (em_norm 0.750)" in lines[0]
    assert "train loss" in plain and "em_norm" in plain and "step" in lines[-1].split()
    coloured = text_chart(data, width=60, colour=True)
    codes = {int(c) for c in re.findall(r"\x1b\[38;5;(\d+)m", coloured)}
    assert codes and codes <= set(range(16))  # a 16-colour terminal has every one
    # The terminal's own background and text colour: no white canvas, no black axes.
    assert "\x1b[48;" not in coloured and 0 not in codes and {2, 6, 8, 10} <= codes
    unescaped = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert max(len(line) for line in unescaped.splitlines()) <= 60
