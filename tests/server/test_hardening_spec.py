"""The server's responses match the official OpenAPI spec strictly: a field is null only where
the spec allows null (tests/service/test_contract.py lets any property be null, as the real API
sends; our own server has no such excuse)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx2
import openai
import pytest

from tuiftune.server import SANDBOX_BASE_URL, ManualClock, ServerOptions, create_app
from tuiftune.server.sandbox import sandbox_http_client

from .helpers import chat_rows, jsonl, legacy_rows

yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read the OpenAPI spec")
pytest.importorskip("jsonschema", reason="jsonschema is needed for contract tests")

from tests.service.test_contract import SPEC_PATH, _convert, _validator_factory  # noqa: E402

# (method and path pattern, status, schema); the first match wins.
SCHEMAS = [
    (r"POST /v1/files", 200, "OpenAIFile"),
    (r"GET /v1/files", 200, "ListFilesResponse"),
    (r"DELETE /v1/files/[^/]+", 200, "DeleteFileResponse"),
    (r"GET /v1/files/[^/]+", 200, "OpenAIFile"),
    (r"POST /v1/uploads", 200, "Upload"),
    (r"POST /v1/uploads/[^/]+/parts", 200, "UploadPart"),
    (r"POST /v1/uploads/[^/]+/(complete|cancel)", 200, "Upload"),
    (r"POST /v1/fine_tuning/jobs", 200, "FineTuningJob"),
    (r"GET /v1/fine_tuning/jobs", 200, "ListPaginatedFineTuningJobsResponse"),
    (r"GET /v1/fine_tuning/jobs/[^/]+/events", 200, "ListFineTuningJobEventsResponse"),
    (r"GET /v1/fine_tuning/jobs/[^/]+/checkpoints", 200, "ListFineTuningJobCheckpointsResponse"),
    (r"(GET|POST) /v1/fine_tuning/jobs/[^/]+(/cancel|/pause|/resume)?", 200, "FineTuningJob"),
    (r"GET /v1/models", 200, "ListModelsResponse"),
    (r"GET /v1/models/.+", 200, "Model"),
    (r"DELETE /v1/models/.+", 200, "DeleteModelResponse"),
    (r"POST /v1/chat/completions", 200, "CreateChatCompletionResponse"),
    (r"POST /v1/completions", 200, "CreateCompletionResponse"),
    (r"POST /v1/batches", 200, "Batch"),
    (r"GET /v1/batches", 200, "ListBatchesResponse"),
    (r"(GET|POST) /v1/batches/[^/]+(/cancel)?", 200, "Batch"),
    (r".*", 400, "ErrorResponse"),
    (r".*", 404, "ErrorResponse"),
]


@pytest.fixture(scope="module")
def strict() -> Any:
    if not SPEC_PATH.exists():
        pytest.skip(f"OpenAPI spec not found at {SPEC_PATH}")
    with SPEC_PATH.open("rb") as fh:
        spec = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return _validator_factory(_convert(spec["components"]["schemas"]))


async def _exercise(client: openai.AsyncOpenAI, clock: ManualClock) -> None:
    """Every route the SDK has, with the objects in each of their states."""
    data = jsonl(chat_rows())
    train = await client.files.create(file=("t.jsonl", data), purpose="fine-tune")
    line = {
        "custom_id": "r1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    }
    batch_input = await client.files.create(file=("b.jsonl", jsonl([line])), purpose="batch")
    batch = await client.batches.create(
        input_file_id=batch_input.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    stopped = await client.batches.create(
        input_file_id=batch_input.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    await client.batches.cancel(stopped.id)
    legacy = await client.files.create(file=("l.jsonl", jsonl(legacy_rows())), purpose="fine-tune")
    await client.files.retrieve(train.id)
    await client.files.list()
    upload = await client.uploads.create(
        filename="u.jsonl", purpose="fine-tune", bytes=len(data), mime_type="text/jsonl"
    )
    part = await client.uploads.parts.create(upload.id, data=data)
    await client.uploads.complete(upload.id, part_ids=[part.id], md5=hashlib.md5(data).hexdigest())
    dropped = await client.uploads.create(
        filename="v.jsonl", purpose="fine-tune", bytes=3, mime_type="text/jsonl"
    )
    await client.uploads.cancel(dropped.id)
    job = await client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=train.id, metadata={"k": "v"}
    )
    dpo = await client.fine_tuning.jobs.create(
        model="gpt-4o-mini",
        training_file=train.id,
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2}}},
    )
    old = await client.fine_tuning.jobs.create(model="davinci-002", training_file=legacy.id)
    await client.fine_tuning.jobs.list_events(job.id)  # validating: the first events
    clock.advance(30)
    await client.fine_tuning.jobs.retrieve(job.id)
    await client.fine_tuning.jobs.list_events(job.id)
    await client.fine_tuning.jobs.pause(job.id)
    await client.fine_tuning.jobs.resume(job.id)
    cancelled = await client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=train.id)
    await client.fine_tuning.jobs.cancel(cancelled.id)
    clock.advance(100_000)
    done = await client.fine_tuning.jobs.retrieve(job.id)
    await client.fine_tuning.jobs.list(limit=10)
    await client.fine_tuning.jobs.list_events(job.id, limit=100)
    await client.fine_tuning.jobs.checkpoints.list(job.id)
    await client.fine_tuning.jobs.retrieve(old.id)
    await client.fine_tuning.jobs.retrieve(dpo.id)  # failed: chat rows are not DPO pairs
    await client.files.list(purpose="fine-tune-results")
    assert done.fine_tuned_model
    await client.models.list()
    await client.models.retrieve(done.fine_tuned_model)
    await client.models.retrieve("gpt-4o-mini")
    await client.chat.completions.create(
        model=done.fine_tuned_model, messages=[{"role": "user", "content": "hi"}], n=2
    )
    await client.completions.create(model="davinci-002", prompt=["a", "b"], max_tokens=4)
    await client.batches.retrieve(batch.id)
    await client.batches.list()
    await client.models.delete(done.fine_tuned_model)
    await client.files.delete(train.id)
    for bad in (
        client.files.retrieve("file-missing"),
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-missing"),
    ):
        with pytest.raises(openai.APIStatusError):
            await bad


def _dpo_hyperparameters(error: str, body: Any) -> bool:
    if not re.fullmatch(r"(data/\d+/)?hyperparameters: None is not of type 'object'", error):
        return False
    jobs = body.get("data", [body])
    index = int(error.split("/")[1]) if error.startswith("data/") else 0
    return bool(jobs[index]["method"]["type"] != "supervised")


async def test_every_response_matches_the_spec_strictly(strict: Any) -> None:
    clock = ManualClock()
    seen: list[tuple[str, int, Any]] = []

    async def record(response: httpx2.Response) -> None:
        if "json" in response.headers.get("content-type", ""):
            await response.aread()
            request = response.request
            key = f"{request.method} {request.url.path}"
            seen.append((key, response.status_code, response.json()))

    http = sandbox_http_client(create_app(ServerOptions(step_seconds=1.0, clock=clock)))
    http.event_hooks["response"].append(record)
    async with openai.AsyncOpenAI(
        api_key="k", base_url=SANDBOX_BASE_URL, http_client=http, max_retries=0
    ) as client:
        await _exercise(client, clock)
    problems: list[str] = []
    used: set[str] = set()
    for key, status, body in seen:
        schema = next(s for p, code, s in SCHEMAS if code == status and re.fullmatch(p, key))
        used.add(schema)
        errors = strict(schema, body)
        # Two known gaps in the spec itself: ``paused`` is what the pause endpoint returns,
        # though the status enum lacks it; the deprecated top-level ``hyperparameters`` is
        # "only returned when running supervised jobs" (null for DPO), yet typed as an object.
        errors = [e for e in errors if "status: 'paused'" not in e]
        errors = [e for e in errors if not _dpo_hyperparameters(e, body)]
        problems += [f"{key} -> {schema}: {e}" for e in errors]
    assert problems == []
    assert used == {s for _, _, s in SCHEMAS}
