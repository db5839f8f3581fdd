"""Nearest training rows of a failed test example (BM25): the copied or reworded row first,
each named by file and line; nothing shared, nothing returned."""

from __future__ import annotations

import json
import math
from pathlib import Path

from tests.conftest import SAMPLES
from tuiftune.evaluation.examples import example_from_parts
from tuiftune.evaluation.nearest import (
    NearestIndex,
    TrainingRow,
    nearest_for_failures,
    query_of,
    rows_of_file,
    terms,
)

TRAIN = SAMPLES / "ticket-triage-chat.jsonl"


def _user(line: str) -> str:
    messages = json.loads(line)["messages"]
    return str(next(m["content"] for m in messages if m["role"] == "user"))


def test_a_reworded_training_prompt_finds_its_row(tmp_path: Path) -> None:
    lines = TRAIN.read_text(encoding="utf-8").splitlines()
    train = tmp_path / "train.jsonl"
    # A blank line and a broken one: the lines of the rows after them still count from 1.
    train.write_text("\n".join([lines[0], "", "{broken", *lines[1:40]]) + "\n", encoding="utf-8")
    rows = rows_of_file(train)
    assert [r.line for r in rows[:3]] == [1, 4, 5]
    index = NearestIndex(rows)
    target = rows[10]
    reworded = " ".join(reversed(_user(lines[10]).split()))  # same words, another order
    example = example_from_parts(
        0,
        "x",
        messages=[
            {"role": "system", "content": "You route support tickets."},
            {"role": "user", "content": reworded},
        ],
    )
    assert query_of(example) == reworded
    best = index.nearest(query_of(example), limit=3)
    assert best[0].row == target and best[0].row.path == str(train)
    assert best[0].score > best[1].score > 0
    assert target.answer in {"billing", "technical", "shipping", "account", "feedback"}
    found = nearest_for_failures(index, [(7, query_of(example))], limit=2)
    assert list(found) == [7] and found[7][0].row.line == target.line


def test_bm25_scores_by_hand() -> None:
    rows = [
        TrainingRow("t", 1, "printer on fire", "a"),
        TrainingRow("t", 2, "printer jam", "b"),
        TrainingRow("t", 3, "refund please", "c"),
    ]
    index = NearestIndex(rows)
    got = index.nearest("fire printer")
    # idf(fire) with n=3, df=1; idf(printer) with df=2; doc 1 has 3 words, average 7/3.
    idf1, idf2 = math.log(1 + 2.5 / 1.5), math.log(1 + 1.5 / 2.5)
    norm1, norm2 = 1 - 0.75 + 0.75 * 3 / (7 / 3), 1 - 0.75 + 0.75 * 2 / (7 / 3)
    want1 = (idf1 + idf2) * 2.5 / (1 + 1.5 * norm1)
    want2 = idf2 * 2.5 / (1 + 1.5 * norm2)
    assert [(n.row.line, round(n.score, 9)) for n in got] == [
        (1, round(want1, 9)),
        (2, round(want2, 9)),
    ]
    assert index.nearest("completely unrelated words") == []
    assert terms("Ünïcode, WORDS_ok 42!") == ["ünïcode", "words_ok", "42"]
