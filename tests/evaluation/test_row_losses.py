"""Losses placed on an open file's records (by line, else by content) and the list's loss order
through edits, inserts, deletes, moves and filters; the file itself never reordered."""

from __future__ import annotations

import json

from tuiftune.dataset.io import load_bytes
from tuiftune.dataset.session import EditorSession, FilterKind
from tuiftune.evaluation.example_losses import ExampleLoss
from tuiftune.evaluation.row_losses import RowLosses, training_lines
from tuiftune.ui.dataset.list_order import LossOrder


def row(i: int, answer: str = "") -> bytes:
    messages = [
        {"role": "user", "content": f"question {i}"},
        {"role": "assistant", "content": answer or f"answer {i}"},
    ]
    return json.dumps({"messages": messages}).encode()


LOSS = [0.5, 2.0, 0.1, 1.0, 0.3]


def setup(data: bytes, trained: bytes | None = None) -> tuple[EditorSession, RowLosses]:
    session = EditorSession(load_bytes(data))
    losses = {i + 1: ExampleLoss(i + 1, v, 3) for i, v in enumerate(LOSS)}
    lines = training_lines(trained) if trained is not None else None
    return session, RowLosses(session.doc, losses, lines)


def lines_shown(order: LossOrder) -> list[int]:
    return [order.pos_of_row(r) + 1 for r in range(len(order))]


FILE = b"".join(row(i) + b"\n" for i in range(5))


def test_by_line_then_by_content_duplicates_each_taken_once() -> None:
    # the training file had rows 0..4; the open file is 4, 1, 1 (a copy), 3, 0 edited, 2
    trained = FILE
    now = [row(4), row(1), row(1), row(3), row(0, "changed"), row(2)]
    session, losses = setup(b"\r\n".join(now) + b"\r\n", trained)
    doc = session.doc
    got = [losses.loss_of(doc.id_at(p)) for p in range(len(doc))]
    assert got == [LOSS[4], LOSS[1], None, LOSS[3], None, LOSS[2]]
    assert (losses.matched.by_line, losses.matched.by_content) == (2, 2)
    assert losses.matched.missing == 1 and losses.matched.checked
    assert losses.trained_line(doc.id_at(0)) == 5


def test_without_the_training_file_lines_are_taken_as_they_are() -> None:
    session, losses = setup(FILE[: FILE.rindex(row(4))])  # four rows: line 5 is past the end
    assert losses.matched == type(losses.matched)(4, 0, 1, False)
    assert [losses.loss_of(session.doc.id_at(p)) for p in range(4)] == LOSS[:4]


def test_order_follows_edits_inserts_deletes_and_filters() -> None:
    session, losses = setup(FILE)
    order = LossOrder(session, losses)
    assert lines_shown(order) == [2, 4, 1, 5, 3]
    # an edit: the record keeps its place (a new id, no loss now)
    session.replace_text(3, row(3, "edited").decode())
    assert lines_shown(order) == [2, 4, 1, 5, 3]
    assert losses.loss_of(session.doc.id_at(3)) is None
    # an insert after line 1: rows without a loss go last; the later lines shift by one
    session.insert_after(0, {"messages": [{"role": "user", "content": "new"}]})
    assert lines_shown(order) == [3, 1, 6, 4, 2, 5]  # 5 (the edited row) and 2 (new): no loss
    session.delete(2)  # the row with the highest loss
    assert lines_shown(order) == [1, 5, 3, 2, 4]
    # a move keeps the loss order; the rows show their new lines
    session.move(0, 1)
    assert lines_shown(order) == [2, 5, 3, 1, 4]
    assert order.row_of_pos(4) == 1 and order.row_of_pos(9) is None
    # a search: only its rows, still by loss
    session.set_filter(FilterKind.SEARCH, "question 4")
    assert lines_shown(order) == [5]
    assert order.row_of_pos(0) is None
    session.set_filter(FilterKind.ALL)
    assert len(order) == 5
    # the file's bytes are in file order whatever the list shows
    assert b"".join(session.doc.iter_bytes()).count(b"\n") == 5


def test_a_dropped_order_stops_following_the_document() -> None:
    session, losses = setup(FILE)
    order = LossOrder(session, losses)
    order.ids()
    order.active = False
    session.replace_text(1, row(1, "edited").decode())
    assert int(order.ids()[0]) == 1  # still the old id: nothing was done for it
