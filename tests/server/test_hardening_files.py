"""Hostile lines inside uploaded files: a training file fails its job with a line number, a
batch input file fails the batch with a line number; neither is a 500."""

from __future__ import annotations

import json

import pytest

from .helpers import Sandbox, chat_rows, jsonl

CHAT_LINE = {
    "custom_id": "r1",
    "method": "POST",
    "url": "/v1/chat/completions",
    "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
}

# (name, a line of JSON whose "body" is the hostile part, the words the error must have)
HOSTILE_LINES = [
    ("5000-digit integer", b'{"n": ' + b"9" * 5000 + b"}", "5000 digits"),
    ("lone surrogate", b'{"messages": [{"role": "user", "content": "a\\ud800"}]}', "surrogate"),
    ("nested 100k deep", b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested"),
]


def _batch_line(body: bytes) -> bytes:
    head = b'{"custom_id": "r2", "method": "POST", "url": "/v1/chat/completions", "body": '
    return head + body + b"}\n"


@pytest.mark.parametrize(
    ("body", "words"), [h[1:] for h in HOSTILE_LINES], ids=[h[0] for h in HOSTILE_LINES]
)
async def test_a_hostile_batch_line_fails_the_batch_not_the_request(
    sandbox: Sandbox, body: bytes, words: str
) -> None:
    data = (json.dumps(CHAT_LINE) + "\n").encode() + _batch_line(body)
    file_id = await sandbox.upload(data, "batch.jsonl", purpose="batch")
    batch = await sandbox.client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    sandbox.clock.advance(60)
    batch = await sandbox.client.batches.retrieve(batch.id)
    assert batch.status == "failed"
    assert batch.errors is not None and batch.errors.data
    error = batch.errors.data[0]
    assert (error.code, error.line) == ("invalid_json_line", 2)
    assert error.message and words in error.message


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (b'{"messages": [], "n": ' + b"9" * 5000 + b"}", "5,000 digits"),
        (b'{"messages": [{"role": "user", "content": "a\\ud800"}]}', "without its pair"),
        (b'{"messages": [{"role": "user", "content": "a\xff"}]}', "UTF-8"),
    ],
    ids=["5000-digit integer", "lone surrogate", "not UTF-8"],
)
async def test_a_hostile_training_line_fails_the_job_naming_the_line(
    sandbox: Sandbox, dataset_core: None, line: bytes, words: str
) -> None:
    file_id = await sandbox.upload(jsonl(chat_rows()) + line + b"\n")
    job = await sandbox.client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file_id)
    job = await sandbox.finish(job.id)
    assert job.status == "failed"
    assert job.error is not None and job.error.message
    assert "line 13" in job.error.message and words in job.error.message
