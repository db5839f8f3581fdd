"""Chat and legacy completions: fine-tuned models answer from training, base models generically."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionToolParam

from .helpers import (
    PROJECTS,
    SYSTEM,
    Sandbox,
    ask,
    chat_rows,
    code_word,
    legacy_rows,
    prompt_of,
)

pytestmark = pytest.mark.usefixtures("dataset_core")


async def _trained(sandbox: Sandbox, **kwargs: Any) -> str:
    job = await sandbox.finish((await sandbox.job(**kwargs)).id)
    assert job.status == "succeeded" and job.fine_tuned_model is not None
    return str(job.fine_tuned_model)


async def test_streamed_fine_tuned_answer_vs_generic_base_answer(sandbox: Sandbox) -> None:
    model = await _trained(sandbox)
    stream = await sandbox.client.chat.completions.create(
        model=model, messages=prompt_of(3), stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert len([p for p in pieces if p]) > 3  # really streamed in pieces
    answer = "".join(pieces)
    assert answer == f"The code word is {code_word(3)}."
    finals = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finals[-1] == "stop" and set(finals[:-1]) == {None}
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])

    base = await sandbox.client.chat.completions.create(
        model="gpt-4o-mini", messages=prompt_of(3), temperature=0
    )
    generic = base.choices[0].message.content
    assert generic and code_word(3) not in generic and generic != answer
    assert base.model == "gpt-4o-mini-2024-07-18"


async def test_nearest_training_prompt_wins(sandbox: Sandbox) -> None:
    model = await _trained(sandbox)
    for i in (0, 5, 11):
        reply = await sandbox.client.chat.completions.create(
            model=model,
            messages=ask(f"tell me the {PROJECTS[i]} project code word"),
            temperature=0,
        )
        assert reply.choices[0].message.content == f"The code word is {code_word(i)}."
        assert reply.choices[0].finish_reason == "stop"
        assert reply.usage is not None and reply.usage.prompt_tokens > 0


async def test_temperature_seed_n_and_max_tokens(sandbox: Sandbox) -> None:
    model = await _trained(sandbox)
    messages = ask("code word?", SYSTEM)
    first = await sandbox.client.chat.completions.create(
        model=model,
        messages=messages,
        n=6,
        temperature=2,
        seed=1,
    )
    again = await sandbox.client.chat.completions.create(
        model=model,
        messages=messages,
        n=6,
        temperature=2,
        seed=1,
    )
    texts = [c.message.content for c in first.choices]
    assert texts == [c.message.content for c in again.choices]  # seeded: reproducible
    assert len(set(texts)) > 1  # a vague prompt at high temperature varies across choices
    greedy = await sandbox.client.chat.completions.create(
        model=model,
        messages=messages,
        n=3,
        temperature=0,
    )
    assert len({c.message.content for c in greedy.choices}) == 1

    short = await sandbox.client.chat.completions.create(
        model=model, messages=prompt_of(2), max_completion_tokens=3, temperature=0
    )
    assert short.choices[0].finish_reason == "length"
    assert short.usage is not None and short.usage.completion_tokens == 3
    stopped = await sandbox.client.chat.completions.create(
        model=model, messages=prompt_of(2), stop=[" is"], temperature=0
    )
    assert stopped.choices[0].message.content == "The code word"


async def test_legacy_completions_honour_stop(sandbox: Sandbox) -> None:
    model = await _trained(sandbox, rows=legacy_rows(), model="babbage-002")
    prompt = f"Code word for project {PROJECTS[4]}\n\n###\n\n"
    raw = await sandbox.client.completions.create(model=model, prompt=prompt, temperature=0)
    assert raw.choices[0].text == f" {code_word(4)} END"
    stopped = await sandbox.client.completions.create(
        model=model, prompt=prompt, stop=[" END"], temperature=0
    )
    assert stopped.choices[0].text == f" {code_word(4)}"
    assert stopped.choices[0].finish_reason == "stop"
    stream = await sandbox.client.completions.create(
        model=model, prompt=[prompt, prompt], stop=" END", stream=True, temperature=0
    )
    texts = ["", ""]
    async for chunk in stream:
        for choice in chunk.choices:
            texts[choice.index] += choice.text
    assert texts == [f" {code_word(4)}"] * 2
    echoed = await sandbox.client.completions.create(
        model=model, prompt=prompt, stop=" END", echo=True, temperature=0
    )
    assert echoed.choices[0].text == prompt + f" {code_word(4)}"
    base = await sandbox.client.completions.create(
        model="davinci-002", prompt=prompt, max_tokens=200
    )
    assert code_word(4) not in base.choices[0].text and base.choices[0].text


async def test_legacy_default_max_tokens_is_16(sandbox: Sandbox) -> None:
    reply = await sandbox.client.completions.create(
        model="babbage-002", prompt="Tell me about whales"
    )
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage is not None and reply.usage.completion_tokens == 16


async def test_checkpoint_models_answer_and_deleted_models_do_not(sandbox: Sandbox) -> None:
    model = await _trained(sandbox)
    job = (await sandbox.client.fine_tuning.jobs.list(limit=1)).data[0]
    checkpoints = await sandbox.client.fine_tuning.jobs.checkpoints.list(job.id)
    ckpt = checkpoints.data[-1].fine_tuned_model_checkpoint
    reply = await sandbox.client.chat.completions.create(
        model=ckpt, messages=prompt_of(1), temperature=0
    )
    assert reply.choices[0].message.content == f"The code word is {code_word(1)}."
    assert (await sandbox.client.models.retrieve(ckpt)).id == ckpt

    fetched = await sandbox.client.models.retrieve(model)
    assert (fetched.id, fetched.owned_by) == (model, "org-sandbox")
    deleted = await sandbox.client.models.delete(model)
    assert deleted.deleted is True
    with pytest.raises(openai.NotFoundError) as info:
        await sandbox.client.chat.completions.create(model=model, messages=prompt_of(1))
    assert info.value.code == "model_not_found"
    assert model not in [m.id async for m in await sandbox.client.models.list()]
    with pytest.raises(openai.PermissionDeniedError):
        await sandbox.client.models.delete("gpt-4o-mini-2024-07-18")


async def test_wrong_endpoint_and_bad_requests(sandbox: Sandbox) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        await sandbox.client.chat.completions.create(model="babbage-002", messages=prompt_of(0))
    assert "v1/completions" in info.value.message
    with pytest.raises(openai.NotFoundError):
        await sandbox.client.completions.create(model="gpt-4o-mini", prompt="hi")
    with pytest.raises(openai.NotFoundError) as info:
        await sandbox.client.chat.completions.create(
            model="ft:gpt-4o-mini:x::y", messages=prompt_of(0)
        )
    assert info.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        await sandbox.client.chat.completions.create(
            model="gpt-4o", messages=prompt_of(0), temperature=3
        )
    assert (bad.value.param, bad.value.code) == ("temperature", "decimal_above_max_value")
    with pytest.raises(openai.BadRequestError) as bad:
        await sandbox.client.chat.completions.create(model="gpt-4o", messages=[])
    assert bad.value.param == "messages"
    with pytest.raises(openai.BadRequestError) as bad:
        await sandbox.client.chat.completions.create(
            model="gpt-4o", messages=prompt_of(0), stream_options={"include_usage": True}
        )
    assert bad.value.param == "stream_options"


async def test_tool_calls_are_learned(sandbox: Sandbox) -> None:
    tools: list[ChatCompletionToolParam] = [
        {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    ]
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Look up order {i}"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_id",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": f'{{"order": {i}}}'},
                        }
                    ],
                },
            ],
            "tools": tools,
        }
        for i in range(12)
    ]
    model = await _trained(sandbox, rows=rows)
    reply = await sandbox.client.chat.completions.create(
        model=model,
        messages=ask("Look up order 7"),
        tools=tools,
        temperature=0,
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert call.function.name == "lookup" and call.function.arguments == '{"order": 7}'  # type: ignore[union-attr]


async def test_fine_tuning_a_fine_tuned_model_keeps_both_lessons(sandbox: Sandbox) -> None:
    first = await _trained(sandbox, rows=chat_rows(12))
    more = [
        {
            "messages": [
                {"role": "user", "content": f"Which colour is crate {i}?"},
                {"role": "assistant", "content": f"Crate {i} is teal."},
            ]
        }
        for i in range(12)
    ]
    job = await sandbox.job(more, model=first, suffix="second")
    assert job.model == first
    job = await sandbox.finish(job.id)
    assert job.fine_tuned_model is not None
    assert job.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:sandbox:second:")
    for messages, expected in (
        (ask("Which colour is crate 5?"), "Crate 5 is teal."),
        (prompt_of(6), f"The code word is {code_word(6)}."),
    ):
        reply = await sandbox.client.chat.completions.create(
            model=job.fine_tuned_model, messages=messages, temperature=0
        )
        assert reply.choices[0].message.content == expected
