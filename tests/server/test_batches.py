"""``/v1/batches`` on the local server, through the openai SDK, checked against the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest

from tuiftune.server import ManualClock

from .conftest import MakeSandbox
from .helpers import Sandbox, ask, jsonl, legacy_rows

SPEC = Path(__file__).parents[3] / "shared" / "openai-openapi" / "openapi.yaml"


def line(i: int, model: str = "gpt-4o-mini", **extra: Any) -> dict[str, Any]:
    body = {"model": model, "messages": ask(f"question {i}?"), "temperature": 0}
    return {
        "custom_id": f"r{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": body,
        **extra,
    }


async def create(
    sandbox: Sandbox, rows: list[dict[str, Any]], endpoint: str = "/v1/chat/completions"
) -> Any:
    file_id = await sandbox.upload(jsonl(rows), "batch.jsonl", purpose="batch")
    return await sandbox.client.batches.create(
        input_file_id=file_id,
        endpoint=endpoint,  # type: ignore[arg-type]
        completion_window="24h",
        metadata={"k": "v"},
    )


def counts(batch: Any) -> Any:
    assert batch.request_counts is not None
    return batch.request_counts


async def content(sandbox: Sandbox, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id
    data = await sandbox.client.files.content(file_id)
    return [json.loads(x) for x in data.text.splitlines()]


async def test_lifecycle_counts_and_output_file(sandbox: Sandbox, clock: ManualClock) -> None:
    batch = await create(sandbox, [line(i) for i in range(10)])
    assert batch.status == "validating" and counts(batch).total == 0
    assert batch.model == "gpt-4o-mini" and batch.metadata == {"k": "v"}
    assert batch.expires_at == batch.created_at + 24 * 3600
    clock.advance(2.45)  # validating takes 2 steps, then a tenth of a step per request
    batch = await sandbox.client.batches.retrieve(batch.id)
    assert batch.status == "in_progress" and batch.in_progress_at is not None
    assert (counts(batch).total, counts(batch).completed) == (10, 4)
    clock.advance(0.6)
    batch = await sandbox.client.batches.retrieve(batch.id)
    assert batch.status == "finalizing" and batch.output_file_id is None
    clock.advance(2)
    batch = await sandbox.client.batches.retrieve(batch.id)
    assert batch.status == "completed" and batch.error_file_id is None
    assert batch.in_progress_at <= batch.finalizing_at <= batch.completed_at  # type: ignore[operator]
    lines = await content(sandbox, batch.output_file_id)
    assert [x["custom_id"] for x in lines] == [f"r{i}" for i in range(10)]
    first = lines[0]
    assert first["id"].startswith("batch_req_") and first["error"] is None
    assert first["response"]["status_code"] == 200
    assert first["response"]["body"]["object"] == "chat.completion"
    assert batch.usage is not None and batch.usage.total_tokens == sum(
        x["response"]["body"]["usage"]["total_tokens"] for x in lines
    )
    output = await sandbox.client.files.retrieve(batch.output_file_id)  # type: ignore[arg-type]
    assert output.purpose == "batch_output"
    # The same answers as a live request.
    live = await sandbox.client.chat.completions.create(
        model="gpt-4o-mini", messages=ask("question 0?"), temperature=0
    )
    assert first["response"]["body"]["choices"][0]["message"]["content"] == (
        live.choices[0].message.content
    )


async def test_legacy_batches_and_per_request_errors(sandbox: Sandbox, clock: ManualClock) -> None:
    rows: list[dict[str, Any]] = [
        {
            "custom_id": f"p{i}",
            "method": "POST",
            "url": "/v1/completions",
            "body": {"model": "babbage-002", "prompt": r["prompt"], "stop": " END"},
        }
        for i, r in enumerate(legacy_rows(3))
    ]
    rows[1]["body"]["temperature"] = 9  # refused by the endpoint: lands in the error file
    batch = await create(sandbox, rows, "/v1/completions")
    clock.advance(100)
    batch = await sandbox.client.batches.retrieve(batch.id)
    assert batch.status == "completed"
    assert (counts(batch).completed, counts(batch).failed) == (2, 1)
    ok = await content(sandbox, batch.output_file_id)
    bad = await content(sandbox, batch.error_file_id)
    assert [x["custom_id"] for x in ok] == ["p0", "p2"]
    assert bad[0]["custom_id"] == "p1" and bad[0]["response"]["status_code"] == 400
    assert bad[0]["response"]["body"]["error"]["param"] == "temperature"
    assert ok[0]["response"]["body"]["object"] == "text_completion"


async def test_cancel_keeps_partial_results(sandbox: Sandbox, clock: ManualClock) -> None:
    batch = await create(sandbox, [line(i) for i in range(10)])
    clock.advance(2.35)
    batch = await sandbox.client.batches.cancel(batch.id)
    assert batch.status == "cancelling" and batch.cancelling_at is not None
    clock.advance(10)
    batch = await sandbox.client.batches.retrieve(batch.id)
    assert batch.status == "cancelled" and batch.cancelled_at is not None
    assert counts(batch).completed == 3
    assert len(await content(sandbox, batch.output_file_id)) == 3
    rest = await content(sandbox, batch.error_file_id)
    assert len(rest) == 7 and rest[0]["error"]["code"] == "batch_cancelled"
    with pytest.raises(openai.BadRequestError, match="status 'cancelled'"):
        await sandbox.client.batches.cancel(batch.id)


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("{not json", "invalid_json_line"),
        (line(1, url="/v1/completions"), "invalid_url"),
        (line(0), "duplicate_custom_id"),
        (line(1, model="gpt-4o"), "mismatched_model"),
        (line(1, method="GET"), "invalid_method"),
        (
            {"method": "POST", "url": "/v1/chat/completions", "body": {}},
            "missing_required_parameter",
        ),
    ],
)
async def test_invalid_input_fails_the_batch(
    sandbox: Sandbox, clock: ManualClock, row: Any, code: str
) -> None:
    rows = [json.dumps(line(0)), row if isinstance(row, str) else json.dumps(row)]
    file_id = await sandbox.upload(("\n".join(rows) + "\n").encode(), "b.jsonl", purpose="batch")
    batch = await sandbox.client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    clock.advance(5)
    batch = await sandbox.client.batches.retrieve(batch.id)
    assert batch.status == "failed" and batch.failed_at is not None
    assert batch.errors is not None and batch.errors.data
    assert (batch.errors.data[0].code, batch.errors.data[0].line) == (code, 2)
    assert batch.output_file_id is None and batch.error_file_id is None


async def test_create_refuses_bad_requests(sandbox: Sandbox) -> None:
    tune = await sandbox.upload(jsonl([line(0)]), "t.jsonl")
    good = await sandbox.upload(jsonl([line(0)]), "b.jsonl", purpose="batch")
    batches = sandbox.client.batches
    with pytest.raises(openai.NotFoundError):
        await batches.create(
            input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h"
        )
    with pytest.raises(openai.BadRequestError, match="purpose 'batch'"):
        await batches.create(
            input_file_id=tune, endpoint="/v1/chat/completions", completion_window="24h"
        )
    with pytest.raises(openai.BadRequestError, match="completion_window"):
        await batches.create(
            input_file_id=good,
            endpoint="/v1/chat/completions",
            completion_window="1h",  # type: ignore[arg-type]
        )
    with pytest.raises(openai.BadRequestError, match="runs batches for"):
        await batches.create(input_file_id=good, endpoint="/v1/embeddings", completion_window="24h")
    with pytest.raises(openai.NotFoundError):
        await batches.retrieve("batch_nope")


async def test_list_pages_newest_first(sandbox: Sandbox) -> None:
    ids = [(await create(sandbox, [line(i)])).id for i in range(3)]
    page = await sandbox.client.batches.list(limit=2)
    assert [b.id for b in page.data] == ids[::-1][:2] and page.has_more
    rest = await sandbox.client.batches.list(limit=2, after=page.data[-1].id)
    assert [b.id for b in rest.data] == [ids[0]] and not rest.has_more


async def test_batches_survive_a_restart(
    make_sandbox: MakeSandbox, clock: ManualClock, tmp_path: Path
) -> None:
    first = make_sandbox(state_dir=tmp_path)
    batch = await create(first, [line(i) for i in range(3)])
    second = make_sandbox(state_dir=tmp_path)
    clock.advance(60)
    again = await second.client.batches.retrieve(batch.id)
    assert again.status == "completed" and len(await content(second, again.output_file_id)) == 3


@pytest.mark.skipif(not SPEC.exists(), reason="the OpenAPI spec is not beside the repository")
async def test_batch_objects_match_the_spec(sandbox: Sandbox, clock: ManualClock) -> None:
    yaml = pytest.importorskip("yaml")
    jsonschema = pytest.importorskip("jsonschema")
    from tests.service.test_contract import _convert

    with SPEC.open("rb") as fh:
        spec = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    components = {"schemas": _convert(spec["components"]["schemas"], null_props=True)}

    def errors(name: str, instance: Any) -> list[str]:
        root = {"$ref": f"#/components/schemas/{name}", "components": components}
        return [e.message for e in jsonschema.Draft202012Validator(root).iter_errors(instance)]

    http = sandbox.client._client  # the raw JSON, before the SDK's models
    file_id = await sandbox.upload(jsonl([line(0), line(1)]), "b.jsonl", purpose="batch")
    request = {
        "input_file_id": file_id,
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
        "metadata": {"a": "b"},
    }
    assert errors("CreateBatchRequest", request) == []
    headers = {"Authorization": "Bearer test"}
    created = (await http.post("/v1/batches", json=request, headers=headers)).json()
    assert errors("Batch", created) == []
    clock.advance(100)
    done = (await http.get(f"/v1/batches/{created['id']}", headers=headers)).json()
    assert errors("Batch", done) == [] and done["status"] == "completed"
    listed = (await http.get("/v1/batches", headers=headers)).json()
    assert errors("ListBatchesResponse", listed) == []
