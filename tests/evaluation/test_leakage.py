"""Leakage between files: planted exact, reworded and same-prompt copies are all found with
both line numbers; disjoint real datasets give none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuiftune.evaluation.leakage import compare_files, find_overlaps
from tuiftune.evaluation.overlap_text import normalize, read_rows, record_texts

SHARED = Path("/work/shared/datasets")
SYSTEM = "You are a careful assistant for an online shop. Answer briefly."

TRAIN = [
    ("What is the capital city of France? Answer in one word.", "Paris"),
    (
        "Summarize the following review: The battery lasts two days and the screen is bright.",
        "Good battery, bright screen.",
    ),
    ("How do I reverse a list in Python without modifying the original?", "Use reversed(xs)."),
    (
        "Translate to German: the train leaves at seven in the morning.",
        "Der Zug fährt um sieben Uhr morgens ab.",
    ),
    ("Which planet in the solar system has the most moons?", "Saturn"),
    (
        "Give me a haiku about autumn leaves falling in the park.",
        "Red leaves drift slowly / a bench holds the quiet park / autumn breathes out cold",
    ),
]
# (test prompt, answer, the train line it copies, the kind expected); None: no copy.
TEST = [
    ("How many legs does a spider have?", "Eight", None, None),
    ("  what is the CAPITAL city of france?? answer in one word ", "paris!", 2, "exact"),
    ("Which city is the capital of France? Answer with one word.", "Paris", 2, "near"),
    (
        "Summarise this review: the screen is bright and the battery lasts for two days.",
        "Good battery, bright screen.",
        3,
        "near",
    ),
    (
        "How can I reverse a Python list without changing the original one?",
        "Use reversed(xs).",
        4,
        "near",
    ),
    ("Which planet in the solar system has the most moons?", "Jupiter", 6, "prompt"),
    ("Name three primary colours used in painting.", "Red, yellow and blue.", None, None),
    ("Write a limerick about a cat who learned to code in Rust.", "There once was...", None, None),
]


def _chat(prompt: str, answer: str) -> str:
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": prompt},
        {"role": "assistant", "content": answer},
    ]
    return json.dumps({"messages": messages})


def _write(path: Path, rows: list[str], first: str = "") -> Path:
    path.write_text(first + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    # Train line 1 is an unrelated legacy row; test line 1 is not JSON: lines keep counting.
    train = _write(
        tmp_path / "train.jsonl",
        [_chat(p, a) for p, a in TRAIN],
        first=json.dumps({"prompt": "ping", "completion": " pong"}) + "\n",
    )
    test = _write(tmp_path / "test.jsonl", [_chat(p, a) for p, a, _, _ in TEST], first="{oops\n")
    return train, test


def test_every_planted_overlap_is_reported_with_both_lines(files: tuple[Path, Path]) -> None:
    train, test = files
    (report,) = compare_files([train, test])
    found = {o.second_line: o for o in report.overlaps}
    expected = {i + 2: (line, kind) for i, (_, _, line, kind) in enumerate(TEST) if line}
    assert {n: (o.first_lines, o.kind) for n, o in found.items()} == {
        n: ((line,), kind) for n, (line, kind) in expected.items()
    }
    for o in report.overlaps:
        assert o.first_path == str(train) and o.second_path == str(test)
        assert f"{test} line {o.second_line} ~ {train} line {o.first_lines[0]}" in o.describe()
    near = [o.similarity for o in report.overlaps if o.kind == "near"]
    assert min(near) >= 0.5
    assert report.counts() == {"exact": 1, "prompt": 1, "near": 3}
    assert report.summary().startswith(f"5 of {len(TEST)} rows of {test} are in {train}")


def test_every_matching_line_of_the_first_file_is_named(tmp_path: Path) -> None:
    row = _chat(*TRAIN[0])
    train = _write(tmp_path / "a.jsonl", [row, _chat(*TRAIN[1]), row, row])
    test = _write(tmp_path / "b.jsonl", [_chat(*TRAIN[4]), row])
    (only,) = find_overlaps(read_rows(train), read_rows(test))
    assert (only.first_lines, only.second_line, only.kind) == ((1, 3, 4), 2, "exact")


def test_a_shared_system_prompt_or_short_prompt_is_not_an_overlap(tmp_path: Path) -> None:
    train = _write(tmp_path / "a.jsonl", [_chat("hi", "Hello! How can I help?")])
    test = _write(tmp_path / "b.jsonl", [_chat("hi", "Good morning, what do you need?")])
    assert find_overlaps(read_rows(train), read_rows(test)) == []


def test_formats_and_normalisation() -> None:
    assert normalize("Hello,   WORLD!!\n") == "hello world"
    assert normalize("ｆｕｌｌ－ｗｉｄｔｈ") == "full width"
    assert record_texts({"prompt": "Q ->", "completion": " A END"}) == ("Q ->", "Q ->  A END")
    dpo = {
        "input": {"messages": [{"role": "user", "content": "q"}]},
        "preferred_output": [{"role": "assistant", "content": "good"}],
        "non_preferred_output": [{"role": "assistant", "content": "bad"}],
    }
    assert record_texts(dpo) == ("q", "q good")
    share = {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}
    assert record_texts(share) == ("q", "q a")
    assert record_texts([1, 2]) is None


DISJOINT = [
    "tweet-replies-legacy.jsonl",
    "lens-qa-legacy-raw.jsonl",
    "openai-cookbook-toy-chat.jsonl",
    "openai-cookbook-drone-tools.jsonl",
    "salescall-dpo-bom.jsonl",
    "autograding-duplicates.jsonl",
    "web3-sharegpt-function-call.jsonl",
    "mandarin2cantonese-legacy.jsonl",
]


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared datasets are not here")
def test_disjoint_real_datasets_have_no_overlap() -> None:
    reports = compare_files([SHARED / name for name in DISJOINT])
    assert len(reports) == 28
    assert all(r.first_rows and r.second_rows for r in reports)
    assert [o.describe() for r in reports for o in r.overlaps] == []


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared datasets are not here")
def test_a_prepared_copy_of_a_real_file_overlaps_on_every_row() -> None:
    # data_prepared.jsonl is the raw file after `openai tools fine_tunes.prepare_data`.
    (report,) = compare_files(
        [SHARED / "lens-qa-legacy-raw.jsonl", SHARED / "lens-qa-legacy-prepared.jsonl"]
    )
    assert [o.second_line for o in report.overlaps] == list(range(1, 53))
    assert all(o.second_line in o.first_lines for o in report.overlaps)
