"""A local model's tool-call text (as its chat template writes one) comes back as OpenAI
``tool_calls``, through the SDK, streamed or not; other text and unknown functions stay text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tuiftune.server.trainers.local.tool_calls import parse_tool_calls, tool_names

from .conftest import StartServer

TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>'


def test_tagged_and_bare_calls_of_offered_functions() -> None:
    names = tool_names(TOOLS)
    assert names == {"get_weather"}
    text, calls = parse_tool_calls("Let me look. " + CALL, names, "x")
    assert text == "Let me look."
    assert [c["function"] for c in calls] == [
        {"name": "get_weather", "arguments": '{"city": "Oslo"}'}
    ]
    assert calls[0]["type"] == "function" and calls[0]["id"].startswith("call_")
    two = parse_tool_calls(CALL + CALL.replace("Oslo", "Rome"), names, "x")[1]
    assert [json.loads(c["function"]["arguments"])["city"] for c in two] == ["Oslo", "Rome"]
    assert two[0]["id"] != two[1]["id"]
    bare = '{"name": "get_weather", "parameters": {"city": "Oslo"}}'
    assert parse_tool_calls(bare, names)[1][0]["function"]["arguments"] == '{"city": "Oslo"}'


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "delete_everything", "arguments": {}}',  # not offered
        '<tool_call>{"name": "get_weather", "arguments": </tool_call>',  # broken JSON
        '{"answer": "billing"}',  # JSON that is an answer
        "billing",
    ],
)
def test_anything_else_stays_text(text: str) -> None:
    assert parse_tool_calls(text, {"get_weather"}) == (text, [])
    assert parse_tool_calls(CALL, set()) == (CALL, [])


async def test_the_server_returns_tool_calls(fake_server: StartServer) -> None:
    client = fake_server().client
    messages: Any = [{"role": "user", "content": CALL}]  # the fake generator repeats the user text
    reply = await client.chat.completions.create(model="tiny-base", messages=messages, tools=TOOLS)
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "base@tiny-base heard:"
    calls: Any = choice.message.tool_calls or []
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Oslo"})
    ]
    stream: Any = await client.chat.completions.create(
        model="tiny-base", messages=messages, tools=TOOLS, stream=True
    )
    deltas = [chunk.choices[0] async for chunk in stream if chunk.choices]
    streamed = [c for d in deltas for c in d.delta.tool_calls or []]
    assert [c.function.name for c in streamed if c.function] == ["get_weather"]
    assert deltas[-1].finish_reason == "tool_calls"
    # without tools the same text is only text
    plain = await client.chat.completions.create(model="tiny-base", messages=messages)
    assert plain.choices[0].message.tool_calls is None
    assert "<tool_call>" in (plain.choices[0].message.content or "")
