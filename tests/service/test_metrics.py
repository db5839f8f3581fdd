"""Result-file decoding (plain or base64) and tolerant CSV parsing; metrics events."""

from __future__ import annotations

import base64
import math

from tuiftune.service.metrics import (
    decode_result_content,
    parse_result_csv,
    point_from_event_data,
    points_from_events,
)

CSV = (
    "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,lr_note\n"
    "1,1.5,0.5,,,warmup\n"
    "2,1.25,0.6,1.4,0.55,\n"
    "3,1.0,0.7,,,\n"
)


def test_plain_csv() -> None:
    rows = parse_result_csv(CSV)
    assert [r.step for r in rows] == [1, 2, 3]
    assert rows[0].train_loss == 1.5 and rows[0].valid_loss is None
    assert rows[1].get("valid_mean_token_accuracy") == 0.55
    assert rows[0].extra == {"lr_note": "warmup"}
    assert rows[1].values["lr_note"] is None  # an empty extra column is kept as None


def test_base64_csv_and_wrapped_lines() -> None:
    encoded = base64.b64encode(CSV.encode())
    assert decode_result_content(encoded) == CSV
    wrapped = b"\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + b"\n"
    assert [r.step for r in parse_result_csv(wrapped)] == [1, 2, 3]
    assert decode_result_content(base64.urlsafe_b64encode(CSV.encode())) == CSV


def test_tolerance() -> None:
    text = "\ufeffstep,train_loss\n1,0.5\nnot-a-step,1\n\n4,nan\n5,1.0,EXTRA\n"
    rows = parse_result_csv(text.encode())
    assert [r.step for r in rows] == [1, 4, 5]
    assert math.isnan(rows[1].train_loss or 0.0)
    assert parse_result_csv(b"") == []
    assert parse_result_csv("step\n1\n2\n")[1].step == 2  # single column, not base64


def test_event_points() -> None:
    p = point_from_event_data(
        {"step": 10, "total_steps": 30, "train_loss": 0.5, "valid_loss": None, "note": "x"}
    )
    assert p is not None and p.step == 10 and p.total_steps == 30
    assert p.valid_loss is None and p.extra == {"note": "x"}
    assert point_from_event_data({"train_loss": 1}) is None
    assert point_from_event_data(None) is None

    class Ev:
        def __init__(self, type: str, data: object) -> None:
            self.type, self.data = type, data

    pts = points_from_events([Ev("message", {}), Ev("metrics", {"step": 1, "train_loss": 2})])
    assert [x.step for x in pts] == [1]
