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


def _sharegpt(i: int) -> dict[str, object]:
    tool = {"name": "get_price", "description": "a price", "parameters": {"type": "object"}}
    return {
        "conversations": [
            {"from": "human", "value": f"price of item {i}?"},
            {
                "role": "function_call",
                "content": json.dumps({"name": "get_price", "arguments": {"id": i}}),
            },
            {"role": "observation", "content": json.dumps({"price": i})},
            {"from": "gpt", "value": f"It costs {i}."},
        ],
        "system": "You help shoppers.",
        "tools": json.dumps([tool]),
    }


def test_sharegpt_function_calls_convert_to_tool_calls_and_tools_are_wrapped() -> None:
    linter = linted(jsonl(*[_sharegpt(i) for i in range(12)]))
    assert linter.examples() == 12
    chosen = fixable(linter, {"convert_sharegpt", "decode_tools"})
    apply_fixes(linter, chosen)
    record = json.loads(linter.doc.raw_at(3))
    roles = [m["role"] for m in record["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    call = record["messages"][2]["tool_calls"][0]
    assert call["function"] == {"name": "get_price", "arguments": '{"id": 3}'}
    assert record["messages"][3]["tool_call_id"] == call["id"]
    assert record["tools"][0]["type"] == "function"
    assert record["tools"][0]["function"]["name"] == "get_price"
    errors = [
        f
        for p in range(len(linter.doc))
        for f in linter.findings_at(p)
        if f.severity.value == "error"
    ]
    assert errors == []


def test_decoding_tools_alone_does_not_add_errors() -> None:
    linter = linted(jsonl(*[_sharegpt(i) for i in range(12)]))
    before = sum(len(linter.findings_at(p)) for p in range(12))
    apply_fixes(linter, fixable(linter, {"decode_tools"}))
    after = sum(len(linter.findings_at(p)) for p in range(12))
    assert after < before  # bare functions are wrapped, not turned into 7x the errors
