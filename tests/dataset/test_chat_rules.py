"""Structure rules for chat records (messages, roles, content, weight, tools, images)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.dataset.helpers import chat, jsonl, lines_of, lint_bytes, many_chats, rules_at


def lint_one(record: Any) -> set[str]:
    """Rules fired on line 1 when ``record`` leads 12 valid examples."""
    return rules_at(lint_bytes(jsonl(record, *many_chats(12))), 1)


def test_valid_chat_file_has_no_findings() -> None:
    report = lint_bytes(jsonl(*many_chats(60)))
    assert report.findings == []
    assert report.format == "chat"
    assert report.stats.examples == 60


@pytest.mark.parametrize(
    ("record", "rule"),
    [
        ('{"messages": [', "json.invalid"),
        ("[1, 2]", "json.not_object"),
        ({"messages": []}, "chat.messages.empty"),
        ({"messages": "hi"}, "chat.messages.type"),
        ({"messages": [{"role": "user", "content": "q"}]}, "chat.assistant.missing"),
        (
            {
                "messages": [
                    {"role": "human", "content": "q"},
                    {"role": "assistant", "content": "a"},
                ]
            },
            "chat.role.unknown",
        ),
        (
            {"messages": [{"content": "q"}, {"role": "assistant", "content": "a"}]},
            "chat.role.missing",
        ),
        (
            {"messages": [{"role": "user"}, {"role": "assistant", "content": "a"}]},
            "chat.content.missing",
        ),
        (
            {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": " "}]},
            "chat.content.empty",
        ),
        (
            {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": 5}]},
            "chat.content.type",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "q", "weight": 1},
                    {"role": "assistant", "content": "a"},
                ]
            },
            "chat.weight.role",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": "a", "weight": 0.5},
                ]
            },
            "chat.weight.value",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": "a", "weight": 0},
                ]
            },
            "chat.assistant.weight",
        ),
        ({"messages": [{"role": "assistant", "content": "a"}]}, "chat.user.missing"),
        (
            {
                "system": "Be nice",
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": "a"},
                ],
            },
            "chat.key.system",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": "a"},
                ],
                "tools": "[]",
            },
            "chat.tools.type",
        ),
        (
            {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
            "format.sharegpt",
        ),
        ({"text": "hello"}, "format.unknown"),
    ],
)
def test_structure_rule_fires(record: Any, rule: str) -> None:
    assert rule in lint_one(record)


def test_every_finding_in_a_file_is_reported_not_just_the_first() -> None:
    bad = {"messages": [{"role": "wizard", "content": "q"}, {"role": "assistant", "content": ""}]}
    report = lint_bytes(jsonl(bad, "{oops", *many_chats(10), bad))
    assert lines_of(report, "chat.role.unknown") == [1, 13]
    assert lines_of(report, "chat.content.empty") == [1, 13]
    assert lines_of(report, "json.invalid") == [2]


def test_findings_name_the_field_path() -> None:
    bad = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "user", "content": "q2"},
            {"role": "bot", "content": "a"},
            {"role": "assistant", "content": "a"},
        ]
    }
    report = lint_bytes(jsonl(bad, *many_chats(10)))
    [finding] = [f for f in report.findings if f.rule == "chat.role.unknown"]
    assert finding.field == "messages[2].role"
    assert finding.line == 1


def test_invalid_json_reports_its_column() -> None:
    report = lint_bytes(jsonl('{"messages": [}', *many_chats(10)))
    [finding] = [f for f in report.findings if f.rule == "json.invalid"]
    assert finding.column == 15
    assert "column 15" in finding.message


def test_invalid_utf8_reports_byte_offset_and_keeps_bytes() -> None:
    data = b'{"messages": "\xff"}\n' + jsonl(*many_chats(10))
    report = lint_bytes(data)
    [finding] = [f for f in report.findings if f.rule == "encoding.invalid_utf8"]
    assert finding.line == 1
    assert "byte 14" in finding.message


def tool_example(arguments: Any, call_id: str = "call_1", reply_id: str = "call_1") -> Any:
    return {
        "messages": [
            {"role": "user", "content": "Weather in Oslo?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "weather", "arguments": arguments},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": reply_id, "content": '{"temp": 3}'},
            {"role": "assistant", "content": "It is 3 degrees."},
        ],
        "tools": [{"type": "function", "function": {"name": "weather", "parameters": {}}}],
    }


def test_valid_tool_calls_pass_without_content() -> None:
    assert lint_one(tool_example('{"city": "Oslo"}')) == set()


def test_tool_arguments_must_be_a_json_string() -> None:
    assert "chat.tool_calls.arguments" in lint_one(tool_example({"city": "Oslo"}))
    assert "chat.tool_calls.arguments" in lint_one(tool_example("{city: Oslo}"))


def test_tool_message_needs_a_matching_call_id() -> None:
    assert "chat.tool.call_id" in lint_one(tool_example('{"city": "Oslo"}', reply_id="call_9"))


def image_part(mime: str = "image/png", size: int = 10) -> dict[str, Any]:
    data = base64.b64encode(b"\0" * size).decode()
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{data}"}}


def test_image_limits() -> None:
    ok = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "What is it?"}, image_part()]},
            {"role": "assistant", "content": "A cat."},
        ]
    }
    assert "image.format" not in lint_one(ok)
    gif = json.loads(json.dumps(ok))
    gif["messages"][0]["content"][1] = image_part("image/gif")
    assert "image.format" in lint_one(gif)
    many = {
        "messages": [
            {"role": "user", "content": [image_part() for _ in range(11)]},
            {"role": "assistant", "content": "Cats."},
        ]
    }
    assert "image.count" in lint_one(many)
    in_answer = {
        "messages": [
            {"role": "user", "content": "Draw"},
            {"role": "assistant", "content": [image_part()]},
        ]
    }
    assert "image.assistant" in lint_one(in_answer)


def test_assistant_leading_space_is_flagged_with_a_fix() -> None:
    report = lint_bytes(jsonl(chat(answer=" Score: 10/10"), *many_chats(10)))
    [finding] = [f for f in report.findings if f.rule == "chat.content.leading_space"]
    assert finding.field == "messages[2].content"
    assert finding.fixable


def test_repetitive_content_is_flagged() -> None:
    assert "content.repetitive" in lint_one(chat(answer="Eat a banana! " * 500))
    prose = " ".join(f"word{i} is followed by thing{i * 7 % 13}" for i in range(300))
    assert "content.repetitive" not in lint_one(chat(answer=prose))


def test_developer_role_is_informational_and_rft_is_detected() -> None:
    rft = {
        "messages": [
            {"role": "developer", "content": "Classify."},
            {"role": "user", "content": "call"},
        ],
        "intent": "buy",
    }
    report = lint_bytes(jsonl(*[rft] * 1, *[{**rft, "intent": str(i)} for i in range(11)]))
    assert report.format == "reinforcement"
    assert report.errors == 0
