"""Train/validation split: seeded, stratified, duplicates on one side, bytes copied as they are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, SAMPLES
from tests.dataset.helpers import chat, jsonl, many_chats
from tuiftune.dataset import load_bytes, load_document
from tuiftune.dataset.document import BOM, Document
from tuiftune.dataset.split import SplitPlan, default_outputs, plan_split, write_split

TRIAGE = SAMPLES / "ticket-triage-chat.jsonl"
FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"


def label_of(doc: Document, pos: int) -> str:
    value = json.loads(doc.raw_at(pos))
    return str(value["messages"][-1]["content"])


def key(raw: bytes) -> str:
    return json.dumps(json.loads(raw), sort_keys=True)


async def test_stratified_split_keeps_each_class_share(tmp_path: Path) -> None:
    doc = await load_document(TRIAGE)  # 80 tickets, 16 per label
    plan = plan_split(doc, fraction=0.25, seed=7)
    assert plan.stratified
    assert (len(plan.train), len(plan.validation)) == (60, 20)
    assert Counter(label_of(doc, p) for p in plan.validation) == dict.fromkeys(
        ["account", "billing", "feedback", "shipping", "technical"], 4
    )
    assert plan.classes == dict.fromkeys(
        ["account", "billing", "feedback", "shipping", "technical"], (12, 4)
    )
    assert sorted(plan.train + plan.validation) == list(range(80))


def test_unbalanced_classes_are_split_in_proportion() -> None:
    labels = ["spam"] * 60 + ["ham"] * 30 + ["phish"] * 10
    records = [chat(f"message {i}", label) for i, label in enumerate(labels)]
    doc = load_bytes(jsonl(*records))
    plan = plan_split(doc, fraction=0.2, seed=1)
    assert plan.classes == {"spam": (48, 12), "ham": (24, 6), "phish": (8, 2)}
    # With a count instead of a fraction the remainder goes to the largest remainders.
    plan = plan_split(doc, count=15, seed=1)
    assert sum(v for _, v in plan.classes.values()) == 15
    assert plan.classes["spam"][1] == 9 and plan.classes["phish"][1] in (1, 2)


def test_a_class_with_one_example_stays_in_training() -> None:
    labels = ["a"] * 20 + ["b"] * 20 + ["rare"]
    doc = load_bytes(jsonl(*[chat(f"q{i}", label) for i, label in enumerate(labels)]))
    plan = plan_split(doc, fraction=0.3, seed=3)
    assert plan.classes["rare"] == (1, 0)
    assert len(plan.validation) == 12


async def test_same_seed_same_split_and_another_seed_differs() -> None:
    doc = await load_document(TRIAGE)
    first = plan_split(doc, fraction=0.2, seed=42)
    assert plan_split(doc, fraction=0.2, seed=42).validation == first.validation
    assert plan_split(doc, fraction=0.2, seed=43).validation != first.validation


def test_split_does_not_depend_on_string_hashing() -> None:
    # Duplicate keys are Python hashes, which differ between processes: they must only group.
    code = (
        "import asyncio, sys; from tuiftune.dataset import load_document;"
        "from tuiftune.dataset.split import plan_split;"
        "doc = asyncio.run(load_document(sys.argv[1]));"
        "print(plan_split(doc, fraction=0.3, seed=5).validation)"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code, str(FLAWED)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def sides(doc: Document, plan: SplitPlan) -> tuple[set[str], set[str]]:
    return (
        {key(doc.raw_at(p)) for p in plan.train},
        {key(doc.raw_at(p)) for p in plan.validation},
    )


def test_duplicates_and_shared_prompts_stay_on_one_side() -> None:
    base = many_chats(30)
    same_prompt = chat("Question number 3?", "A different answer.")
    doc = load_bytes(jsonl(*base, base[0], base[0], base[5], same_prompt))
    for seed in range(20):
        plan = plan_split(doc, fraction=0.3, seed=seed)
        assert not plan.stratified
        train, validation = sides(doc, plan)
        assert not train & validation
        side_of = {p: p in plan.validation for p in range(len(doc))}
        assert side_of[0] == side_of[30] == side_of[31]
        assert side_of[5] == side_of[32]
        assert side_of[3] == side_of[33]  # same prompt, another answer: still a leak
    assert plan.grouped == 7


def test_blank_and_invalid_lines_are_skipped_and_reported() -> None:
    doc = load_bytes(FLAWED.read_bytes())
    plan = plan_split(doc, fraction=0.2, seed=0)
    assert [(s.line, s.reason.split(":")[0]) for s in plan.skipped] == [
        (13, "invalid JSON at column 161"),
        (17, "blank line"),
    ]
    assert len(plan.train) + len(plan.validation) == 58
    assert {12, 16}.isdisjoint(plan.train + plan.validation)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fraction": 1.5}, "between 0 and 1"),
        ({"fraction": 0.1, "count": 3}, "not both"),
        ({"count": 10}, "between 1 and 9"),
        ({"count": 0}, "between 1 and 9"),
    ],
)
def test_impossible_requests_are_refused(options: dict[str, Any], message: str) -> None:
    doc = load_bytes(jsonl(*many_chats(10)))
    with pytest.raises(ValueError, match=message):
        plan_split(doc, **options)


def test_one_record_cannot_be_split() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        plan_split(load_bytes(jsonl(chat(), "") + b"\n"))


def test_records_that_all_share_one_prompt_are_refused() -> None:
    """An empty validation file is no split: every record would have to leak."""
    doc = load_bytes(jsonl(*[chat("Same question?", f"Answer {i}.") for i in range(12)]))
    with pytest.raises(ValueError, match="all 12 records share one example or prompt"):
        plan_split(doc, fraction=0.1)


def test_split_command_writes_nothing_when_no_validation_is_possible(tmp_path: Path) -> None:
    source = tmp_path / "same.jsonl"
    source.write_bytes(jsonl(*[chat("Same question?", "Same answer.") for _ in range(12)]))
    train, validation = tmp_path / "t.jsonl", tmp_path / "v.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tuiftune",
            "split",
            str(source),
            "-o",
            str(train),
            "--validation-out",
            str(validation),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "share one example or prompt" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not train.exists() and not validation.exists()


async def test_written_records_are_byte_identical(tmp_path: Path) -> None:
    records = [json.dumps(r, ensure_ascii=False) for r in many_chats(12)]
    records[4] = '{ "messages" : [ {"role":"user","content":"caf\\u00e9"}, ' + (
        '{"role":"assistant","content":"été"} ] }'
    )
    data = BOM + "\r\n".join(records).encode()  # CRLF, no final newline, a BOM
    source = tmp_path / "data.jsonl"
    source.write_bytes(data)
    doc = await load_document(source)
    plan = plan_split(doc, count=4, seed=2)
    train, validation = default_outputs(source)
    assert train.name == "data.train.jsonl" and validation.name == "data.validation.jsonl"
    await write_split(doc, plan, train, validation)
    originals = data[len(BOM) :].split(b"\r\n")
    for path, positions in ((train, plan.train), (validation, plan.validation)):
        written = path.read_bytes()
        assert not written.startswith(BOM) and written.endswith(b"\r\n")
        assert written.split(b"\r\n")[:-1] == [originals[p] for p in positions]
    assert source.read_bytes() == data


async def test_outputs_are_new_files(tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl"
    source.write_bytes(jsonl(*many_chats(10)))
    doc = await load_document(source)
    plan = plan_split(doc, count=2)
    other = tmp_path / "v.jsonl"
    with pytest.raises(ValueError, match="source"):
        await write_split(doc, plan, source, other)
    with pytest.raises(ValueError, match="different"):
        await write_split(doc, plan, other, other)
    (tmp_path / "t.jsonl").write_bytes(b"keep me\n")
    with pytest.raises(FileExistsError):
        await write_split(doc, plan, tmp_path / "t.jsonl", other)
    assert (tmp_path / "t.jsonl").read_bytes() == b"keep me\n" and not other.exists()
    await write_split(doc, plan, tmp_path / "t.jsonl", other, overwrite=True)
    assert len((tmp_path / "t.jsonl").read_bytes().splitlines()) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl", "t.jsonl", "v.jsonl"]


async def test_real_duplicates_never_leak(shared_dataset: Callable[[str], Path]) -> None:
    # 213 of 240 lines are exact duplicates (CRLF endings); 19,728 lines with 18,184 duplicates.
    for name in ("autograding-duplicates.jsonl", "flaky-tests-chat-large.jsonl"):
        doc = await load_document(shared_dataset(name))
        plan = plan_split(doc, fraction=0.2, seed=11)
        train, validation = sides(doc, plan)
        assert not train & validation
        assert plan.stratified and not plan.skipped
        assert len(plan.train) + len(plan.validation) == len(doc)
        share = len(plan.validation) / len(doc)
        assert 0.15 < share < 0.25, (name, share)


async def test_legacy_labels_stratify_too(shared_dataset: Callable[[str], Path]) -> None:
    doc = await load_document(SAMPLES / "ticket-triage-legacy.jsonl")
    plan = plan_split(doc, fraction=0.25, seed=0)
    assert plan.classes == dict.fromkeys(
        ["account", "billing", "feedback", "shipping", "technical"], (9, 3)
    )
    # Translations are not labels: a plain shuffled split, same-prompt rows kept together.
    doc = await load_document(shared_dataset("mandarin2cantonese-legacy.jsonl"))
    plan = plan_split(doc, fraction=0.2, seed=0)
    assert not plan.stratified and plan.classes == {}
    prompts = [
        {json.loads(doc.raw_at(p))["prompt"] for p in side}
        for side in (plan.train, plan.validation)
    ]
    assert not prompts[0] & prompts[1]
