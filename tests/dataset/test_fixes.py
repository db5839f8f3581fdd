"""Safe fixes change what they must and leave every other byte alone."""

from __future__ import annotations

import json

from tests.dataset.helpers import chat, jsonl, many_chats
from tuiftune.dataset import Linter, load_bytes
from tuiftune.dataset.fixes import apply_fixes, fixable

SEP = "\n\n###\n\n"


def linted(data: bytes) -> Linter:
    linter = Linter(load_bytes(data))
    linter.run()
    return linter


def saved(linter: Linter) -> bytes:
    return b"".join(linter.doc.iter_bytes())


def test_default_fixes_leave_untouched_lines_byte_identical() -> None:
    lines = [json.dumps({"prompt": f"p{i}{SEP}", "completion": f" c{i % 2}\n"}) for i in range(12)]
    lines[3] = '{ "prompt": "no separator", "completion": " c1\\n" }'
    lines[5] = "{broken"
    data = ("\r\n".join(lines) + "\r\n").encode()
    linter = linted(data)
    applied = apply_fixes(linter, fixable(linter))
    assert [(a.line, a.rule) for a in applied] == [(4, "legacy.separator.missing")]
    out = saved(linter).split(b"\r\n")
    original = data.split(b"\r\n")
    assert out[3] == b'{"prompt": "no separator\\n\\n###\\n\\n", "completion": " c1\\n"}'
    assert [o for i, o in enumerate(out) if i != 3] == [o for i, o in enumerate(original) if i != 3]


def test_duplicates_are_dropped_only_when_asked() -> None:
    records = many_chats(11)
    linter = linted(jsonl(*records, records[0], records[1], records[0]))
    assert apply_fixes(linter, fixable(linter)) == []
    applied = apply_fixes(linter, fixable(linter, {"dataset.duplicate"}))
    assert [a.line for a in applied] == [12, 13, 14]
    assert len(linter.doc) == 11
    assert all(f.rule != "dataset.duplicate" for p in range(11) for f in linter.findings_at(p))


def test_fix_all_is_one_undo_step() -> None:
    data = jsonl(*[chat(f"q{i}", f" answer {i}") for i in range(12)])
    linter = linted(data)
    assert len(apply_fixes(linter, fixable(linter))) == 12
    assert all(not linter.findings_at(p) for p in range(12))
    linter.doc.undo()
    assert saved(linter) == data
    assert all(linter.findings_at(p) for p in range(12))


def test_structural_fixes() -> None:
    system_key = {
        "system": "Be kind.",
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
    }
    tools_str = {**chat(), "tools": json.dumps([{"type": "function", "function": {"name": "f"}}])}
    args_obj = {
        "messages": [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": {"x": 1}},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "1"},
            {"role": "assistant", "content": "done"},
        ]
    }
    linter = linted(jsonl(system_key, tools_str, args_obj, *many_chats(10)))
    apply_fixes(linter, fixable(linter))
    first = json.loads(linter.doc.raw_at(0))
    assert first == {
        "messages": [
            {"role": "system", "content": "Be kind."},
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a"},
        ]
    }
    assert isinstance(json.loads(linter.doc.raw_at(1))["tools"], list)
    call = json.loads(linter.doc.raw_at(2))["messages"][1]["tool_calls"][0]
    assert call["function"]["arguments"] == '{"x": 1}'
    assert all(not linter.findings_at(p) for p in range(3))


def test_sharegpt_conversion_is_opt_in() -> None:
    record = {
        "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}],
        "system": "S",
    }
    linter = linted(jsonl(record, *many_chats(10)))
    assert not any(f.rule == "format.sharegpt" for _, f in fixable(linter))
    apply_fixes(linter, fixable(linter, {"convert_sharegpt"}))
    assert json.loads(linter.doc.raw_at(0)) == {
        "messages": [
            {"role": "system", "content": "S"},
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a"},
        ]
    }


def test_bom_fix() -> None:
    linter = linted(b"\xef\xbb\xbf" + jsonl(*many_chats(10)))
    apply_fixes(linter, fixable(linter))
    assert not saved(linter).startswith(b"\xef\xbb\xbf")
    assert not any(f.rule == "encoding.bom" for f in linter.findings_at(0))
