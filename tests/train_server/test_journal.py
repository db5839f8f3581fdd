"""The run journal: progress.jsonl read by whole lines; a reloaded journal equals the live one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tuiftune.server.trainers.local.journal import PROGRESS, RunJournal, read_progress


def _line(kind: str, **fields: Any) -> bytes:
    return (json.dumps({"type": kind, **fields, "t": 1000.0}) + "\n").encode()


def test_a_half_written_line_waits_for_its_end(tmp_path: Path) -> None:
    path = tmp_path / PROGRESS
    whole = _line("metrics", step=1, total_steps=2, train_loss=1.5)
    last = _line("metrics", step=2, total_steps=2, train_loss=1.0)
    path.write_bytes(whole + last[:10])
    lines, offset = read_progress(path, 0)
    assert [raw["step"] for raw, _ in lines] == [1] and offset == len(whole)
    with path.open("ab") as handle:
        handle.write(last[10:] + b"not json\n")
    lines, offset = read_progress(path, offset)
    assert [raw["step"] for raw, _ in lines] == [2]
    assert offset == path.stat().st_size  # the bad line is skipped, not re-read forever
    assert read_progress(tmp_path / "missing.jsonl", 7) == ([], 7)


async def test_a_reloaded_journal_equals_the_live_one(tmp_path: Path) -> None:
    def name(step: int) -> str:
        return f"ft:b:local::x:ckpt-step-{step}"

    live = RunJournal("ftjob-1", tmp_path, name)
    live.note(999.0, "Created fine-tuning job: ftjob-1")
    live.launch(999.5, "Fine-tuning job started")
    raw = [
        _line("plan", total_steps=4, steps_per_epoch=2, n_epochs=2),
        _line("metrics", step=1, total_steps=4, train_loss=2.0, trained_tokens=10),
        _line("metrics", step=2, total_steps=4, train_loss=1.0, valid_loss=1.2, trained_tokens=20),
        _line("checkpoint", step=2, path=str(tmp_path / "c2"), metrics={"train_loss": 1.0}),
        _line("state", step=2, path=str(tmp_path / "s2")),
        _line("paused", step=2, state=str(tmp_path / "s2")),
    ]
    offsets, end = [], 0
    for chunk in raw:
        end += len(chunk)
        offsets.append(end)
    lines = [(json.loads(chunk), stop) for chunk, stop in zip(raw, offsets, strict=True)]
    ends = live.ingest(lines)
    await live.flush()
    assert [e["type"] for e in ends] == ["paused"]

    again = RunJournal.load("ftjob-1", tmp_path, name)
    assert [again[i] for i in range(len(again))] == [live[i] for i in range(len(live))]
    assert again.index_of(live[3].id) == 3
    assert again.metrics == live.metrics and again.offset == offsets[-1]
    assert again.adapters == live.adapters and again.last_state == str(tmp_path / "s2")
    assert again.trained_tokens == 20 and again.total_steps == 4
    assert again.outcome is not None and again.outcome["type"] == "paused"
    metrics = [again[i] for i in range(len(again)) if again[i].type == "metrics"]
    assert metrics[1].message == "Step 2/4: training loss=1.00, validation loss=1.20"
    assert metrics[1].data == {"step": 2, "total_steps": 4, "train_loss": 1.0, "valid_loss": 1.2}
    # A new engine run forgets the last one's ending, also after a reload.
    again.launch(1001.0, "Fine-tuning job started again")
    assert again.outcome is None


def test_plan_events_count_in_the_right_number(tmp_path: Path) -> None:
    journal = RunJournal("ftjob-2", tmp_path, lambda step: f"ckpt-{step}")
    plans = [
        _line("plan", total_steps=1, steps_per_epoch=1, n_epochs=1),
        _line("plan", total_steps=6, steps_per_epoch=3, n_epochs=2),
    ]
    journal.ingest([(json.loads(p), i + 1) for i, p in enumerate(plans)])
    assert [journal[i].message for i in range(len(journal))] == [
        "Training for 1 step (1 per epoch, 1 epoch)",
        "Training for 6 steps (3 per epoch, 2 epochs)",
    ]
