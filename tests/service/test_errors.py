"""SDK exceptions become typed, readable errors that never carry the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest

from tuiftune.service import errors
from tuiftune.service.jobs import Hyperparameters, JobRequest, JobsService
from tuiftune.service.providers.openai import OpenAIJobs

MockClient = Callable[[Any], openai.AsyncOpenAI]
KEY = "sk-test-0000000000000000abcd"


def respond(status: int, body: object, headers: dict[str, str] | None = None) -> Any:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, json=body, headers=headers or {})

    return handler


def err_body(message: str, param: str | None = None, code: str | None = None) -> dict[str, object]:
    kind = "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


async def fetch(mock_client: MockClient, handler: Any) -> BaseException:
    svc = JobsService(OpenAIJobs(mock_client(handler)))
    with pytest.raises(errors.ServiceError) as info:
        await svc.retrieve("ftjob-1")
    return info.value


async def test_401_is_auth_error_without_key(mock_client: MockClient) -> None:
    body = err_body(f"Incorrect API key provided: {KEY}. You can find your API key at ...")
    exc = await fetch(mock_client, respond(401, body))
    assert isinstance(exc, errors.AuthError)
    assert KEY not in str(exc) and KEY not in repr(exc)
    assert exc.__cause__ is None and exc.__suppress_context__


async def test_403_on_create_explains_fine_tuning_closed(mock_client: MockClient) -> None:
    svc = JobsService(OpenAIJobs(mock_client(respond(403, err_body("no access")))))
    with pytest.raises(errors.PermissionDeniedError) as info:
        await svc.create(JobRequest(model="gpt-4o-mini", training_file="file-1"))
    text = str(info.value)
    assert "no longer lets new users create fine-tuning jobs" in text
    assert "Azure OpenAI" in text and "sandbox" in text


async def test_404_and_400_carry_server_message_and_param(mock_client: MockClient) -> None:
    exc = await fetch(mock_client, respond(404, err_body("No such job: ftjob-1")))
    assert isinstance(exc, errors.NotFoundError) and "No such job" in str(exc)
    body = err_body("bad suffix", param="suffix", code="x")
    exc = await fetch(mock_client, respond(400, body))
    assert isinstance(exc, errors.BadRequestError)
    assert exc.param == "suffix" and exc.code == "x" and "bad suffix" in str(exc)


async def test_429_has_retry_after(mock_client: MockClient) -> None:
    exc = await fetch(mock_client, respond(429, err_body("slow down"), {"retry-after": "7"}))
    assert isinstance(exc, errors.RateLimitedError) and exc.retry_after == 7.0 and exc.transient
    exc = await fetch(mock_client, respond(429, err_body("slow"), {"retry-after-ms": "1500"}))
    assert isinstance(exc, errors.RateLimitedError) and exc.retry_after == 1.5


async def test_5xx_and_network(mock_client: MockClient) -> None:
    exc = await fetch(mock_client, respond(503, err_body("overloaded")))
    assert isinstance(exc, errors.ServerError) and exc.status == 503 and exc.transient

    def boom(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    exc = await fetch(mock_client, boom)
    assert isinstance(exc, errors.NetworkError) and exc.transient

    def slow(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    exc = await fetch(mock_client, slow)
    assert isinstance(exc, errors.NetworkError) and "timed out" in str(exc)


def test_scrub_and_retry_after_date() -> None:
    assert KEY not in errors.scrub(f"key {KEY} rejected")
    assert "ftjob-abc123" in errors.scrub("job ftjob-abc123 failed")
    when = "Wed, 21 Oct 2015 07:28:10 GMT"
    headers = {"retry-after": when}
    assert errors.parse_retry_after(headers, now=1445412480.0) == pytest.approx(10.0)
    assert errors.parse_retry_after({"retry-after": "soon"}) is None
    assert errors.parse_retry_after(None) is None


def test_invalid_request_lists_every_problem() -> None:
    from tuiftune.service.jobs import InvalidJobRequestError
    from tuiftune.service.providers.openai_convert import build_create_body

    with pytest.raises(InvalidJobRequestError) as info:
        build_create_body(
            JobRequest(
                model="m",
                training_file="f",
                hyperparameters=Hyperparameters(n_epochs=0, batch_size=300),
            )
        )
    assert len(info.value.problems) == 2
