"""Hostile request bodies get a 400 in OpenAI's error shape, never a 500 or a reset."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest

from .helpers import Sandbox

StartServer = Callable[..., str]
JSON_HEADERS = {"authorization": "Bearer k", "content-type": "application/json"}
CHAT = "/v1/chat/completions"
JOBS = "/v1/fine_tuning/jobs"


def _job_body(extra: str) -> bytes:
    return ('{"model": "gpt-4o-mini", "training_file": "file-x", ' + extra + "}").encode()


# (name, path, raw body, a word the error message must contain)
HOSTILE: list[tuple[str, str, bytes, str]] = [
    ("nested 100k deep", CHAT, b"[" * 100_000 + b"]" * 100_000, "nested"),
    (
        "nested 100k deep inside a field",
        CHAT,
        b'{"model": "gpt-4o-mini", "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested",
    ),
    (
        "Infinity hyperparameter",
        JOBS,
        _job_body('"hyperparameters": {"n_epochs": Infinity}'),
        "Infinity",
    ),
    (
        "NaN hyperparameter",
        JOBS,
        _job_body('"hyperparameters": {"learning_rate_multiplier": NaN}'),
        "NaN",
    ),
    ("1e400 overflows to inf", JOBS, _job_body('"hyperparameters": {"n_epochs": 1e400}'), "range"),
    ("5000-digit seed", JOBS, _job_body('"seed": ' + "9" * 5000), "5000 digits"),
    (
        "5000-digit negative",
        CHAT,
        b'{"model": "gpt-4o-mini", "n": -' + b"7" * 5000 + b"}",
        "digits",
    ),
    (
        "lone surrogate in chat content",
        CHAT,
        b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi \\ud800"}]}',
        "surrogate",
    ),
    (
        "lone surrogate in a key",
        CHAT,
        b'{"model": "gpt-4o-mini", "metadata": {"\\udfff": "x"}, "messages": []}',
        "surrogate",
    ),
    ("not UTF-8", CHAT, b'{"model": "gpt-4o-mini\xff\xfe", "messages": []}', "parse"),
    ("a JSON string, not an object", CHAT, b'"hello"', "parse"),
]


def _assert_envelope(response: httpx2.Response, word: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert word.lower() in error["message"].lower(), error["message"]
    assert "\n" not in error["message"]
    return dict(error)


@pytest.mark.parametrize(
    ("path", "body", "word"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
async def test_hostile_json_is_a_400_in_process(
    sandbox: Sandbox, path: str, body: bytes, word: str
) -> None:
    http = sandbox.client._client
    response = await http.post(f"http://sandbox.invalid{path}", content=body, headers=JSON_HEADERS)
    _assert_envelope(response, word)


async def test_hostile_json_is_a_400_over_tcp(tcp: StartServer) -> None:
    # Over a real socket too: a reset or a 500 here is what a user's SDK would see.
    base = tcp()
    async with httpx2.AsyncClient(timeout=30) as http:
        for _name, path, body, word in HOSTILE:
            response = await http.post(
                base.removesuffix("/v1") + path, content=body, headers=JSON_HEADERS
            )
            _assert_envelope(response, word)
        # The connection is still good for a normal request afterwards.
        models = await http.get(f"{base}/models", headers=JSON_HEADERS)
        assert models.status_code == 200


async def test_the_field_is_named(sandbox: Sandbox) -> None:
    body = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "a"}, '
    body += b'{"role": "user", "content": [{"type": "text", "text": "\\ud800"}]}]}'
    response = await sandbox.client._client.post(
        "http://sandbox.invalid/v1/chat/completions", content=body, headers=JSON_HEADERS
    )
    error = _assert_envelope(response, "surrogate")
    assert error["param"] == "messages[1].content[0].text"


# The SDK itself refuses to send NaN, Infinity and lone surrogates (allow_nan=False, UTF-8),
# so those reach the server only from other clients: the raw bodies above stand in for them.


async def test_completions_prompt_shapes(sandbox: Sandbox) -> None:
    client = sandbox.client
    # The spec allows token lists and lists of token lists: they are decoded and answered.
    one = await client.completions.create(model="davinci-002", prompt=[40, 1097, 433], max_tokens=5)
    assert len(one.choices) == 1 and one.choices[0].text
    two = await client.completions.create(
        model="davinci-002", prompt=[[40], [1097, 433]], max_tokens=5
    )
    assert [c.index for c in two.choices] == [0, 1]
    bad: list[tuple[Any, str | None, str]] = [
        ({"text": "hi"}, "prompt", "an object"),
        ([], "prompt", "empty"),
        ([1, "a"], "prompt", "mixed"),
        ([True, False], "prompt", "mixed"),
        ([[]], "prompt[0]", "empty"),
        ([-1], "prompt[0]", "vocabulary"),
        ([10**12], "prompt[0]", "vocabulary"),
        ([[5], [7, 100256]], "prompt[1]", "not tokens"),  # a gap in cl100k_base
        (12, "prompt", "a number"),
    ]
    for prompt, param, word in bad:
        with pytest.raises(openai.BadRequestError) as caught:
            await client.completions.create(model="davinci-002", prompt=prompt, max_tokens=5)
        assert caught.value.param == param, prompt
        assert word in caught.value.message, (prompt, caught.value.message)


async def test_files_need_multipart(sandbox: Sandbox) -> None:
    http = sandbox.client._client
    body = json.dumps({"purpose": "fine-tune", "file": "a"}).encode()
    response = await http.post(
        "http://sandbox.invalid/v1/files", content=body, headers=JSON_HEADERS
    )
    _assert_envelope(response, "multipart")
    # A multipart form whose field is not UTF-8.
    response = await http.post(
        "http://sandbox.invalid/v1/files",
        headers={"authorization": "Bearer k"},
        files={"file": ("t.jsonl", b"{}\n")},
        data={"purpose": "fine-\xfftune"},
    )
    assert response.status_code == 400
    raw = (
        b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine\xff\xfe\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="t.jsonl"\r\n\r\n{}\n\r\n'
        b"--b--\r\n"
    )
    response = await http.post(
        "http://sandbox.invalid/v1/files",
        content=raw,
        headers={"authorization": "Bearer k", "content-type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"


async def test_a_huge_query_integer_is_a_short_400(sandbox: Sandbox) -> None:
    response = await sandbox.client._client.get(
        "http://sandbox.invalid/v1/fine_tuning/jobs?limit=" + "9" * 5000, headers=JSON_HEADERS
    )
    error = _assert_envelope(response, "expected an integer")
    assert error["param"] == "limit" and len(error["message"]) < 200
