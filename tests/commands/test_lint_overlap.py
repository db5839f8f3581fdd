"""``tuiftune lint A B``: rows shared between the files are reported with both lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuiftune.cli import main


def _chat(question: str, answer: str) -> str:
    messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return json.dumps({"messages": messages})


QUESTIONS = [
    ("Where is the invoice for my order from last Tuesday?", "billing"),
    ("My parcel has not arrived after two weeks of waiting.", "shipping"),
    ("I cannot log in to my account since the last update.", "account"),
    ("The app crashes every time I open the settings page.", "technical"),
    ("Please cancel my subscription before the next payment.", "billing"),
    ("Can I change the delivery address of an order in transit?", "shipping"),
    ("How do I reset the password of my shop account?", "account"),
    ("The checkout button does nothing when I press it.", "technical"),
    ("Why was I charged twice for one order this month?", "billing"),
    ("The tracking number you sent me does not work at all.", "shipping"),
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join(_chat(q, a) for q, a in QUESTIONS) + "\n")
    test = tmp_path / "test.jsonl"
    rows = [
        _chat("Is there a discount for students on yearly plans?", "billing"),
        _chat("the app crashes every time i open the SETTINGS page", "technical"),  # train 4
        _chat("Why was I billed twice for one order this month?", "billing"),  # train 9
    ]
    test.write_text("\n".join(rows) + "\n")
    return train, test


def test_text_names_both_files_and_lines(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    train, test = files
    main(["lint", str(train), str(test)])
    out = capsys.readouterr().out
    assert f"2 of 3 rows of {test} are in {train} (1 exact, 1 near)" in out
    assert f"{test} line 2 ~ {train} line 4: the same text" in out
    assert f"{test} line 3 ~ {train} line 9: near duplicate" in out


def test_json_lists_the_hits(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    train, test = files
    main(["lint", "--format", "json", str(train), str(test)])
    (pair,) = json.loads(capsys.readouterr().out)["overlaps"]
    hits = [(o["first"]["lines"], o["second"]["line"], o["kind"]) for o in pair["overlaps"]]
    assert hits == [([4], 2, "exact"), ([9], 3, "near")]
    # One file alone: no overlap section at all.
    main(["lint", "--format", "json", str(test)])
    assert "overlaps" not in json.loads(capsys.readouterr().out)
