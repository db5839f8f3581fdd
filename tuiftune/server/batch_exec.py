"""Batch input files: checking their lines, and running each request through the app's handlers.

Requests run in-process through the same route functions that serve ``/v1/chat/completions``
and ``/v1/completions``, but not through the gateway: a batch is not rate limited per request
and injected faults do not apply to it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from tuiftune.server import strict_json
from tuiftune.server.errors import SERVER_ERROR_MESSAGE, APIError
from tuiftune.server.ids import new_id

MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class BatchLine:
    """One request of an input file."""

    custom_id: str
    url: str
    body: dict[str, Any]


def _error(code: str, message: str, line: int | None, param: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def parse_input(data: bytes, endpoint: str) -> tuple[list[BatchLine], list[dict[str, Any]]]:
    """The requests of an input file, or the validation errors (``BatchError`` objects)."""
    if len(data) > MAX_BYTES:
        return [], [_error("file_too_large", "The input file is larger than 200 MB.", None)]
    lines: list[BatchLine] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    model: str | None = None
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = strict_json.loads(raw)
        except ValueError as exc:  # syntax, not UTF-8, too deep, a 5000-digit number...
            message, param = "This line is not parseable as JSON.", None
            if isinstance(exc, strict_json.BadJSON):
                message, param = f"This line is not acceptable JSON: {exc.message}", exc.param
            errors.append(_error("invalid_json_line", message, number, param))
            continue
        problem = _check_line(value, endpoint)
        if problem is not None:
            errors.append(_error(problem[0], problem[1], number, problem[2]))
            continue
        custom_id = value["custom_id"]
        if custom_id in seen:
            errors.append(
                _error(
                    "duplicate_custom_id",
                    f"The custom_id {custom_id!r} is used by more than one request.",
                    number,
                    "custom_id",
                )
            )
            continue
        seen.add(custom_id)
        line_model = value["body"].get("model")
        if model is None:
            model = line_model
        elif line_model != model:
            errors.append(
                _error(
                    "mismatched_model",
                    "Every request in a batch must use the same model; "
                    f"expected {model!r}, got {line_model!r}.",
                    number,
                    "body.model",
                )
            )
            continue
        lines.append(BatchLine(custom_id, value["url"], value["body"]))
    if not errors and not lines:
        errors.append(_error("empty_file", "The input file contains no requests.", None))
    if len(lines) > MAX_REQUESTS:
        errors.append(
            _error("too_many_requests", f"A batch holds at most {MAX_REQUESTS} requests.", None)
        )
    return lines, errors


def _check_line(value: Any, endpoint: str) -> tuple[str, str, str | None] | None:
    if not isinstance(value, dict):
        return "invalid_request", "Each line must be a JSON object.", None
    custom_id = value.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return "missing_required_parameter", "Missing required parameter: 'custom_id'.", "custom_id"
    if value.get("method") != "POST":
        return "invalid_method", "Only the POST method is supported.", "method"
    if value.get("url") != endpoint:
        return (
            "invalid_url",
            f"The URL {value.get('url')!r} does not match the batch endpoint {endpoint!r}.",
            "url",
        )
    body = value.get("body")
    if not isinstance(body, dict):
        return "missing_required_parameter", "Missing required parameter: 'body'.", "body"
    if not isinstance(body.get("model"), str):
        return "missing_required_parameter", "Missing required parameter: 'body.model'.", "model"
    if body.get("stream"):
        return "invalid_request", "Streaming is not supported in batches.", "body.stream"
    return None


async def run_request(app: Starlette, handler: Handler, line: BatchLine) -> dict[str, Any]:
    """Run one request and return its ``BatchRequestOutput`` line."""
    payload = json.dumps(line.body).encode()
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "app": app,
        "method": "POST",
        "path": line.url,
        "raw_path": line.url.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    request_id = new_id("req_", 32)
    try:
        response = await handler(Request(scope, receive))
        status, body = response.status_code, json.loads(bytes(response.body))
    except APIError as exc:
        status, body = exc.status, exc.body()
    except Exception:  # a bug must fail one request, not the batch
        status = 500
        body = APIError(500, SERVER_ERROR_MESSAGE, type="server_error").body()
    return {
        "id": new_id("batch_req_"),
        "custom_id": line.custom_id,
        "response": {"status_code": status, "request_id": request_id, "body": body},
        "error": None,
    }


def unprocessed(custom_id: str, code: str) -> dict[str, Any]:
    """The error-file line of a request that never ran (batch cancelled or expired)."""
    message = {
        "batch_cancelled": "This request was not executed because the batch was cancelled.",
        "batch_expired": "This request could not be executed before the completion window expired.",
    }[code]
    return {
        "id": new_id("batch_req_"),
        "custom_id": custom_id,
        "response": None,
        "error": {"code": code, "message": message},
    }
