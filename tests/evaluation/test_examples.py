"""Test sets from JSONL: references per format, the legacy consensus, skipped records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tuiftune.dataset import Format
from tuiftune.evaluation import load_test_set

SAMPLES = Path(__file__).parents[2] / "sample_data"


def write(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


async def test_chat_reference_is_the_last_assistant_message() -> None:
    ts = await load_test_set(SAMPLES / "ticket-triage-test.jsonl")
    assert ts.format is Format.CHAT and ts.chat and len(ts.examples) == 30
    assert ts.labels == ("account", "billing", "feedback", "shipping", "technical")
    first = ts.examples[0]
    assert first.index == 0 and first.line == 1 and first.reference == "account"
    assert first.messages is not None and [m["role"] for m in first.messages] == ["system", "user"]
    assert len({ex.key for ex in ts.examples}) == 30


async def test_multi_turn_drops_training_only_keys(tmp_path: Path) -> None:
    row = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello", "weight": 0},
            {
                "role": "user",
                "content": [{"type": "text", "text": "and "}, {"type": "text", "text": "now?"}],
            },
            {"role": "assistant", "content": "Now this."},
        ]
    }
    ts = await load_test_set(write(tmp_path / "t.jsonl", [row] * 3))
    ex = ts.examples[0]
    assert ex.reference == "Now this."
    assert ex.messages is not None and len(ex.messages) == 3
    assert "weight" not in ex.messages[1]
    assert "user: and now?" in ex.prompt_text()


async def test_legacy_separator_appended_and_stop_removed() -> None:
    ts = await load_test_set(SAMPLES / "ticket-triage-legacy-flawed.jsonl")
    assert ts.format is Format.LEGACY and not ts.chat
    assert ts.separator == "\n\n###\n\n" and ts.stop == "\n"
    by_line = {ex.line: ex for ex in ts.examples}
    # Line 3 lacks the separator: it is added so the prompt looks like the others.
    assert by_line[3].prompt is not None and by_line[3].prompt.endswith("\n\n###\n\n")
    assert by_line[1].reference.startswith(" ") and not by_line[1].reference.endswith("\n")
    skipped = {s.line: s.reason for s in ts.skipped}
    assert set(skipped) == {13, 15, 19}
    assert "json" in skipped[13] and "completion" in skipped[19]


async def test_dpo_reference_is_the_preferred_output() -> None:
    ts = await load_test_set(SAMPLES / "support-dpo.jsonl")
    assert ts.format is Format.DPO and len(ts.examples) == 24 and ts.labels is None
    raw = json.loads((SAMPLES / "support-dpo.jsonl").read_text().splitlines()[0])
    assert ts.examples[0].reference == raw["preferred_output"][0]["content"]
    assert ts.examples[0].messages == tuple(raw["input"]["messages"])


async def test_unusable_records_are_skipped_with_a_reason(tmp_path: Path) -> None:
    good = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    no_answer = {"messages": [{"role": "user", "content": "q"}]}
    tools_only = {
        "messages": [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
        ]
    }
    path = write(tmp_path / "t.jsonl", [good, "{broken", "", no_answer, tools_only, good])
    ts = await load_test_set(path)
    assert [ex.line for ex in ts.examples] == [1, 6]
    reasons = {s.line: s.reason for s in ts.skipped}
    assert set(reasons) == {2, 4, 5}  # the blank line 3 is not an example at all
    assert "tool calls" in reasons[5] or "lint error" in reasons[5]
