"""Non-streamed chat and legacy completions: the request on the wire and the reply's reading.

The provider posts plain JSON through the SDK's client and reads the reply's JSON itself (the
SDK's transform and pydantic parse were most of the eval runner's CPU); these pin that the wire
request is the one ``create()`` sent and that odd replies read as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from tests.service.sdk import sdk
from tuiftune.evaluation import load_test_set, parse_results
from tuiftune.service.errors import ServiceError
from tuiftune.service.evals import EvalOptions, run_eval
from tuiftune.service.evals_replies import SHAPE_ERRORS
from tuiftune.service.inference import SamplingParams, chat, complete
from tuiftune.service.providers.openai_convert import completion_from_json
from tuiftune.service.types import Usage

from .test_evals_support import BASE, SAMPLES

MockClient = Callable[[Any], openai.AsyncOpenAI]
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Classify."},
    {"role": "user", "content": [{"type": "text", "text": "is it flaky?"}]},
]


def reply(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "chatcmpl-9", "object": "chat.completion", "created": 1}
    return {**base, **fields}


async def test_chat_sends_what_create_sent_and_reads_every_field(
    mock_client: MockClient,
) -> None:
    seen: list[httpx2.Request] = []
    sdk_seen: list[httpx2.Request] = []
    body = reply(
        model="ft:gpt-4o-mini:o::x",
        choices=[
            {
                "index": 0,
                "message": {"role": "assistant", "content": "True"},
                "finish_reason": "stop",
            }
        ],
        usage={"prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 13},
    )

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=body)

    def sdk_handler(request: httpx2.Request) -> httpx2.Response:
        sdk_seen.append(request)
        return httpx2.Response(200, json=body)

    params = SamplingParams(temperature=0.0, max_tokens=5, stop=["\n"], seed=3)
    got = await chat(sdk(mock_client(handler)).inference, "ft:gpt-4o-mini:o::x", MESSAGES, params)
    assert (got.text, got.finish_reason, got.model, got.id) == (
        "True",
        "stop",
        "ft:gpt-4o-mini:o::x",
        "chatcmpl-9",
    )
    assert got.usage == Usage(12, 1, 13)
    async with mock_client(sdk_handler) as plain:
        await plain.chat.completions.create(
            model="ft:gpt-4o-mini:o::x",
            messages=MESSAGES,  # type: ignore[arg-type]
            **params.kwargs(chat=True),
        )
    (mine,), (theirs,) = seen, sdk_seen
    assert mine.url == theirs.url and mine.method == theirs.method == "POST"
    assert json.loads(mine.content) == json.loads(theirs.content)
    for header in ("authorization", "content-type", "accept"):
        assert mine.headers[header] == theirs.headers[header]


async def test_legacy_completion_posts_the_prompt(mock_client: MockClient) -> None:
    bodies: list[tuple[str, dict[str, Any]]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append((request.url.path, json.loads(request.content)))
        return httpx2.Response(
            200,
            json=reply(
                object="text_completion",
                model="davinci-002",
                choices=[{"index": 0, "text": " yes", "finish_reason": "length"}],
            ),
        )

    got = await complete(
        sdk(mock_client(handler)).inference,
        "davinci-002",
        "Q?\n\n###\n\n",
        SamplingParams(max_tokens=2),
    )
    assert bodies == [
        ("/v1/completions", {"model": "davinci-002", "prompt": "Q?\n\n###\n\n", "max_tokens": 2})
    ]
    assert (got.text, got.finish_reason, got.usage) == (" yes", "length", None)


@pytest.mark.parametrize(
    ("body", "text", "finish"),
    [
        (reply(choices=[]), "", None),  # a content filter's empty answer
        (
            reply(choices=[{"message": {"content": None}, "finish_reason": "tool_calls"}]),
            "",
            "tool_calls",
        ),
        (
            reply(choices=[{"message": {"role": "assistant", "content": "é\u202e"}}]),
            "é\u202e",
            None,
        ),
        ({"choices": [{"message": {"content": "x"}}]}, "x", None),  # no id, model or usage
    ],
)
def test_odd_but_valid_replies_read_as_the_sdk_read_them(
    body: dict[str, Any], text: str, finish: str | None
) -> None:
    got = completion_from_json(body, chat=True)
    assert (got.text, got.finish_reason) == (text, finish)
    assert got.usage is None


@pytest.mark.parametrize(
    "body",
    [
        ["not", "an", "object"],
        "a string",
        reply(choices="none"),
        reply(choices=["a choice as text"]),
        reply(choices=[{"finish_reason": "stop"}]),  # no message
        reply(choices=[{"message": "hi"}]),
        reply(choices=[{"message": {"content": ["parts"]}}]),
    ],
)
def test_replies_of_another_shape_raise_a_shape_error(body: Any) -> None:
    with pytest.raises(SHAPE_ERRORS):
        completion_from_json(body, chat=True)


def test_labels_of_other_types_do_not_make_the_answer_unreadable() -> None:
    body = {
        "id": 12345,
        "model": {"name": "m"},
        "choices": [{"message": {"content": "x"}, "finish_reason": True}],
    }
    got = completion_from_json(body, chat=True)
    assert (got.text, got.id, got.model, got.finish_reason) == ("x", "12345", None, None)


def test_a_legacy_reply_with_a_non_text_choice_is_refused() -> None:
    with pytest.raises(SHAPE_ERRORS):
        completion_from_json(reply(choices=[{"text": {"nested": 1}}]), chat=False)
    assert completion_from_json(reply(choices=[{"text": None}]), chat=False).text == ""


async def test_an_eval_stops_on_a_json_reply_that_is_no_completion(
    mock_client: MockClient, tmp_path: Path
) -> None:
    calls: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        return httpx2.Response(200, json={"status": "ok", "choices": {"0": "True"}})

    test_set = await load_test_set(SAMPLES / "ticket-triage-test.jsonl")
    out = tmp_path / "r.jsonl"
    async with mock_client(handler) as client:
        with pytest.raises(ServiceError, match="not an OpenAI-style JSON response"):
            await run_eval(client, test_set, [BASE], out, options=EvalOptions(concurrency=1))
    assert calls == [1]  # fatal at once: no retries, no further requests
    assert parse_results(out.read_bytes()).results == []
