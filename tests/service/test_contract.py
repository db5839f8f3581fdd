"""Contract tests: the JSON the services send matches the official OpenAPI spec's schemas.

The spec is ../shared/openai-openapi/openapi.yaml (OpenAPI 3.1 with some 3.0 leftovers such as
``nullable`` and boolean ``exclusiveMinimum``, converted here before validating).
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
from tuiftune.service.files import upload_file
from tuiftune.service.inference import SamplingParams, chat, stream_chat, stream_completion
from tuiftune.service.jobs import Hyperparameters, JobRequest, JobsService, check_job_request
from tuiftune.service.providers.openai import OpenAIJobs
from tuiftune.service.upload_cache import UploadCache

SPEC_PATH = Path(__file__).parents[3] / "shared" / "openai-openapi" / "openapi.yaml"
yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read the OpenAPI spec")
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is needed for contract tests")
if not SPEC_PATH.exists():
    pytest.skip(f"OpenAPI spec not found at {SPEC_PATH}", allow_module_level=True)

MockClient = Callable[[Any], openai.AsyncOpenAI]
Validate = Callable[[str, Any], list[str]]


def _validator_factory(schemas: dict[str, Any]) -> Validate:
    components = {"schemas": schemas}
    cache: dict[str, Any] = {}

    def check(name: str, instance: Any) -> list[str]:
        if name not in cache:
            assert name in schemas, f"no schema {name} in the spec"
            root = {"$ref": f"#/components/schemas/{name}", "components": components}
            cache[name] = jsonschema.Draft202012Validator(root)
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in cache[name].iter_errors(instance)
        ]

    return check


@pytest.fixture(scope="module")
def raw_spec() -> dict[str, Any]:
    with SPEC_PATH.open("rb") as fh:
        spec: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return spec


@pytest.fixture(scope="module")
def validate(raw_spec: dict[str, Any]) -> Validate:
    """Strict: what we send must match the spec."""
    return _validator_factory(_convert(raw_spec["components"]["schemas"]))


@pytest.fixture(scope="module")
def validate_response(raw_spec: dict[str, Any]) -> Validate:
    """What we receive: as the spec, except that any property may be null."""
    return _validator_factory(_convert(raw_spec["components"]["schemas"], null_props=True))


def _convert(node: Any, null_props: bool = False) -> Any:
    """OpenAPI 3.0 leftovers -> JSON Schema 2020-12. With ``null_props``, any property may be
    null: the API sends null for unset fields that the spec types without it (``expires_at``)."""
    if isinstance(node, list):
        return [_convert(n, null_props) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v, null_props) for k, v in node.items() if not k.startswith("x-")}
    if null_props and isinstance(out.get("properties"), dict):
        out["properties"] = {
            k: {"anyOf": [v, {"type": "null"}]} for k, v in out["properties"].items()
        }
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if out.get(bound) is True and limit in out:
            out[bound] = out.pop(limit)
        elif out.get(bound) is False:
            del out[bound]
    if out.pop("nullable", False):
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif "type" not in out:
            out = {"anyOf": [out, {"type": "null"}]}
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


class Recorder:
    """A mock API that records each request's JSON body and answers from ``replies``."""

    def __init__(self, replies: dict[str, Any]) -> None:
        self.replies = replies
        self.bodies: list[tuple[str, Any]] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        is_json = request.headers.get("content-type", "").startswith("application/json")
        body = json.loads(request.content) if is_json and request.content else None
        self.bodies.append((request.url.path, body))
        reply = self.replies[request.url.path]
        if isinstance(reply, bytes):
            headers = {"content-type": "text/event-stream"}
            return httpx2.Response(200, content=reply, headers=headers)
        return httpx2.Response(200, json=reply)


JOB_REPLY = {"id": "ftjob-1", "object": "fine_tuning.job", "status": "queued", "model": "m"}


@pytest.mark.parametrize(
    "req",
    [
        JobRequest(model="gpt-4o-mini-2024-07-18", training_file="file-1"),
        JobRequest(
            model="gpt-4o-mini-2024-07-18",
            training_file="file-1",
            validation_file="file-2",
            suffix="my-model",
            seed=42,
            metadata={"team": "nlp", "run": "3"},
            hyperparameters=Hyperparameters(
                n_epochs=3, batch_size="auto", learning_rate_multiplier=0.5
            ),
            integrations=[{"type": "wandb", "wandb": {"project": "p", "tags": ["a"]}}],
        ),
        JobRequest(
            model="gpt-4o-2024-08-06",
            training_file="file-1",
            method="dpo",
            hyperparameters=Hyperparameters(beta=0.1, n_epochs="auto", batch_size=8),
        ),
    ],
)
async def test_job_create_body_matches_spec(
    req: JobRequest, validate: Validate, mock_client: MockClient
) -> None:
    rec = Recorder({"/v1/fine_tuning/jobs": JOB_REPLY})
    await JobsService(OpenAIJobs(mock_client(rec.handler))).create(req)
    [(path, body)] = rec.bodies
    assert path == "/v1/fine_tuning/jobs"
    assert validate("CreateFineTuningJobRequest", body) == []


@pytest.mark.parametrize(
    ("method", "hp", "extra"),
    [
        ("supervised", {"n_epochs": 0}, {}),
        ("supervised", {"n_epochs": 50}, {}),
        ("supervised", {"n_epochs": 51}, {}),
        ("supervised", {"batch_size": 256}, {}),
        ("supervised", {"batch_size": 257}, {}),
        ("supervised", {"learning_rate_multiplier": 0}, {}),
        ("supervised", {"learning_rate_multiplier": 1e-9}, {}),
        ("dpo", {"beta": 2}, {}),
        ("dpo", {"beta": 2.5}, {}),
        ("dpo", {"beta": 0}, {}),
        ("supervised", {}, {"suffix": "x" * 64}),
        ("supervised", {}, {"suffix": "x" * 65}),
        ("supervised", {}, {"seed": 2147483647}),
        ("supervised", {}, {"seed": 2147483648}),
        ("supervised", {}, {"seed": -1}),
    ],
)
def test_local_range_checks_agree_with_spec(
    method: str, hp: dict[str, Any], extra: dict[str, Any], validate: Validate
) -> None:
    req = JobRequest(
        model="m",
        training_file="f",
        method=method,  # type: ignore[arg-type]
        hyperparameters=Hyperparameters(**hp),
        **extra,
    )
    ours = check_job_request(req) == []
    body = {
        "model": "m",
        "training_file": "f",
        "method": {"type": method, method: {"hyperparameters": hp}},
        **extra,
    }
    theirs = validate("CreateFineTuningJobRequest", body) == []
    assert ours == theirs


async def test_inference_bodies_match_spec(validate: Validate, mock_client: MockClient) -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}],
    }
    cmpl = {
        "id": "c",
        "object": "text_completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "text": "x", "finish_reason": "stop", "logprobs": None}],
    }
    reply = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "ok", "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
    }
    rec = Recorder(
        {
            "/v1/chat/completions": reply,
            "/v1/completions": b"data: " + json.dumps(cmpl).encode() + b"\n\ndata: [DONE]\n\n",
        }
    )
    client = mock_client(rec.handler)
    params = SamplingParams(temperature=0.7, top_p=1.0, max_tokens=16, stop=["END"], seed=1)
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    await chat(sdk(client).inference, "ft:gpt-4o-mini:o::x", messages, params)
    async for _ in stream_completion(sdk(client).inference, "davinci-002", "p\n\n###\n\n", params):
        pass
    rec.replies["/v1/chat/completions"] = (
        b"data: " + json.dumps(chunk).encode() + b"\n\ndata: [DONE]\n\n"
    )
    async for _ in stream_chat(sdk(client).inference, "m", messages, params):
        pass
    schema_for = {
        "/v1/chat/completions": "CreateChatCompletionRequest",
        "/v1/completions": "CreateCompletionRequest",
    }
    assert len(rec.bodies) == 3
    for path, body in rec.bodies:
        assert validate(schema_for[path], body) == [], (path, body)
    # The replies the mock gave are valid too, so the scripts above stay honest.
    assert validate("CreateChatCompletionResponse", reply) == []
    assert validate("CreateChatCompletionStreamResponse", chunk) == []
    assert validate("CreateCompletionResponse", cmpl) == []


async def test_upload_bodies_match_spec(
    validate: Validate, mock_client: MockClient, tmp_path: Path
) -> None:
    line = {
        "messages": [
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "4"},
        ]
    }
    path = tmp_path / "big.jsonl"
    path.write_text((json.dumps(line) + "\n") * 12)
    upload = {
        "id": "upload-1",
        "object": "upload",
        "bytes": 1,
        "created_at": 1,
        "expires_at": 2,
        "filename": "big.jsonl",
        "purpose": "fine-tune",
        "status": "pending",
    }
    fobj = {
        "id": "file-1",
        "object": "file",
        "bytes": 1,
        "created_at": 1,
        "filename": "big.jsonl",
        "purpose": "fine-tune",
    }
    part = {"id": "part-1", "object": "upload.part", "created_at": 1, "upload_id": "upload-1"}
    rec = Recorder(
        {
            "/v1/uploads": upload,
            "/v1/uploads/upload-1/parts": part,
            "/v1/uploads/upload-1/complete": {**upload, "status": "completed", "file": fobj},
        }
    )
    await upload_file(
        sdk(mock_client(rec.handler)).files,
        path,
        cache=UploadCache(tmp_path / "c.json"),
        multipart_threshold=10,
        part_size=200,
    )
    sent = {p: b for p, b in rec.bodies if b is not None}
    assert validate("CreateUploadRequest", sent["/v1/uploads"]) == []
    assert validate("CompleteUploadRequest", sent["/v1/uploads/upload-1/complete"]) == []
    assert validate("Upload", upload) == [] and validate("UploadPart", part) == []


RESPONSE_SCHEMAS = [
    (r"POST /v1/files", "OpenAIFile"),
    (r"GET /v1/files/[^/]+", "OpenAIFile"),
    (r"POST /v1/fine_tuning/jobs", "FineTuningJob"),
    (r"GET /v1/fine_tuning/jobs", "ListPaginatedFineTuningJobsResponse"),
    (r"GET /v1/fine_tuning/jobs/[^/]+", "FineTuningJob"),
    (r"POST /v1/fine_tuning/jobs/[^/]+/cancel", "FineTuningJob"),
    (r"GET /v1/fine_tuning/jobs/[^/]+/events", "ListFineTuningJobEventsResponse"),
    (r"GET /v1/fine_tuning/jobs/[^/]+/checkpoints", "ListFineTuningJobCheckpointsResponse"),
    (r"GET /v1/models", "ListModelsResponse"),
    (r"POST /v1/chat/completions", "CreateChatCompletionResponse"),
]


async def test_sandbox_responses_match_spec(
    validate_response: Validate, manual_clock: Any, tmp_path: Path
) -> None:
    import re

    from tests.server.helpers import AdvancingSleep
    from tuiftune.server.app import ServerOptions, create_app
    from tuiftune.server.sandbox import SANDBOX_BASE_URL, sandbox_http_client

    from .conftest import write_chat_file

    seen: list[tuple[str, Any]] = []

    async def record(response: httpx2.Response) -> None:
        if "json" not in response.headers.get("content-type", ""):
            return
        await response.aread()
        request = response.request
        seen.append((f"{request.method} {request.url.path}", response.json()))

    http = sandbox_http_client(create_app(ServerOptions(step_seconds=1.0, clock=manual_clock)))
    http.event_hooks["response"].append(record)
    client = openai.AsyncOpenAI(api_key="sandbox", base_url=SANDBOX_BASE_URL, http_client=http)
    try:
        path = write_chat_file(tmp_path / "train.jsonl")
        up = await upload_file(sdk(client).files, path, cache=UploadCache(tmp_path / "c.json"))
        svc = JobsService(OpenAIJobs(client))
        job = await svc.create(JobRequest(model="gpt-4o-mini-2024-07-18", training_file=up.file.id))
        from tuiftune.service.watch import watch

        async for _ in watch(
            sdk(client).jobs, job.id, sleep=AdvancingSleep(manual_clock), clock=manual_clock
        ):
            pass
        await svc.list_page(limit=5)
        await svc.checkpoints(job.id)
        await svc.cancel(
            (await svc.create(JobRequest(model="gpt-4o-mini", training_file=up.file.id))).id
        )
        final = await svc.retrieve(job.id)
        assert final.fine_tuned_model
        await chat(
            sdk(client).inference, final.fine_tuned_model, [{"role": "user", "content": "hi"}]
        )
        await client.models.list()
    finally:
        await client.close()
    checked = set()
    for key, body in seen:
        for pattern, schema in RESPONSE_SCHEMAS:
            if re.fullmatch(pattern, key):
                assert validate_response(schema, body) == [], (key, body)
                checked.add(schema)
    assert checked == {schema for _, schema in RESPONSE_SCHEMAS}
