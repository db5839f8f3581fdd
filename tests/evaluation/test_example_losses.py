"""Per-example losses: parsed from the results file (bad lines left out), and the rows whose
loss stayed high picked out by median absolute deviation."""

from __future__ import annotations

import json

from tuiftune.evaluation.example_losses import (
    ExampleLoss,
    high_loss_rows,
    parse_example_losses,
)


def _file(losses: list[float]) -> bytes:
    rows = [
        {"line": i + 1, "loss": v, "tokens": 3, "token_accuracy": 1.0} for i, v in enumerate(losses)
    ]
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def test_parse_leaves_bad_lines_out() -> None:
    data = _file([0.1, 0.2]) + b'{"line": 3, "loss": null}\nnot json\n{"line": "x"}\n'
    parsed = parse_example_losses(data)
    assert parsed == {
        1: ExampleLoss(1, 0.1, 3, 1.0),
        2: ExampleLoss(2, 0.2, 3, 1.0),
    }


def test_high_loss_rows_are_the_unfit_ones() -> None:
    losses = [0.05, 0.07, 0.06, 0.04, 0.08, 0.05, 0.06, 2.3, 0.07, 0.9, 0.05]
    high = high_loss_rows(parse_example_losses(_file(losses)))
    assert [r.line for r in high] == [8, 10]
    # Losses that barely vary have no outlier; too few rows say nothing.
    assert high_loss_rows(parse_example_losses(_file([0.1] * 10))) == []
    assert high_loss_rows(parse_example_losses(_file([0.1, 5.0]))) == []
