"""What job creation refuses up front (400 with ``param``) and what fails the job later."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from .helpers import Sandbox, chat_rows, jsonl, legacy_rows

pytestmark = pytest.mark.usefixtures("dataset_core")


async def test_a_bad_file_fails_the_job_naming_the_line(sandbox: Sandbox) -> None:
    rows = chat_rows(12)
    rows[3]["messages"][2]["role"] = "robot"
    job = await sandbox.job(rows)
    assert job.status == "validating_files" and job.error is None
    sandbox.clock.advance(1)
    assert (await sandbox.client.fine_tuning.jobs.retrieve(job.id)).status == "validating_files"
    job = await sandbox.finish(job.id)
    assert job.status == "failed"
    assert job.finished_at == job.created_at + 2
    assert job.error is not None
    assert (job.error.code, job.error.param) == ("invalid_training_file", "training_file")
    assert job.error.message.startswith("Training file has ")
    assert "line 4: messages[2].role:" in job.error.message
    assert job.fine_tuned_model is None and job.result_files == []
    newest = (await sandbox.client.fine_tuning.jobs.list_events(job.id, limit=1)).data[0]
    assert newest.level == "error" and "line 4" in newest.message


async def test_fewer_than_ten_examples_fail(sandbox: Sandbox) -> None:
    job = await sandbox.finish((await sandbox.job(chat_rows(5))).id)
    assert job.status == "failed"
    assert job.error is not None
    assert job.error.code == "invalid_n_examples"
    assert "5 example" in job.error.message and job.error.param == "training_file"


async def test_format_must_fit_the_model(sandbox: Sandbox) -> None:
    job = await sandbox.finish((await sandbox.job(legacy_rows())).id)
    assert job.error is not None and "legacy format" in job.error.message
    legacy = await sandbox.finish((await sandbox.job(legacy_rows(), model="babbage-002")).id)
    assert legacy.status == "succeeded"


async def test_a_bad_validation_file_names_validation_file(sandbox: Sandbox) -> None:
    rows = chat_rows(3)
    rows[1]["messages"] = []
    valid = await sandbox.upload(jsonl(rows), "valid.jsonl")
    job = await sandbox.finish((await sandbox.job(validation_file=valid)).id)
    assert job.error is not None
    assert (job.error.code, job.error.param) == ("invalid_validation_file", "validation_file")
    assert "line 2" in job.error.message


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"hyperparameters": {"n_epochs": 0}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"n_epochs": 51}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"batch_size": 257}}, "hyperparameters.batch_size"),
        (
            {
                "method": {
                    "type": "supervised",
                    "supervised": {"hyperparameters": {"n_epochs": 1.5}},
                }
            },
            "method.supervised.hyperparameters.n_epochs",
        ),
        (
            {
                "method": {
                    "type": "supervised",
                    "supervised": {"hyperparameters": {"learning_rate_multiplier": 0}},
                }
            },
            "method.supervised.hyperparameters.learning_rate_multiplier",
        ),
        (
            {"method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 2.5}}}},
            "method.dpo.hyperparameters.beta",
        ),
        (
            {"method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0}}}},
            "method.dpo.hyperparameters.beta",
        ),
        ({"method": {"type": "magic"}}, "method.type"),
        ({"suffix": "x" * 65}, "suffix"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**31}, "seed"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
        ({"model": "gpt-9"}, "model"),
        ({"model": "babbage-002", "method": {"type": "dpo"}}, "model"),
        ({"integrations": [{"type": "slack"}]}, "integrations[0].type"),
    ],
)
async def test_range_checks_are_400s_naming_the_param(
    sandbox: Sandbox, kwargs: dict[str, Any], param: str
) -> None:
    file_id = await sandbox.upload(jsonl(chat_rows()))
    kwargs = {"model": "gpt-4o-mini", **kwargs}
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.fine_tuning.jobs.create(training_file=file_id, **kwargs)
    assert info.value.status_code == 400
    assert info.value.param == param
    body = info.value.body
    assert isinstance(body, dict) and body["type"] == "invalid_request_error"
    assert set(body) == {"message", "type", "param", "code"}


async def test_files_must_exist_and_be_for_fine_tuning(sandbox: Sandbox) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-nope")
    assert info.value.param == "training_file"
    batch = await sandbox.upload(b"{}\n", "b.jsonl", "batch")
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=batch)
    assert info.value.param == "training_file" and "purpose" in info.value.message
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.post(
            "/fine_tuning/jobs", body={"model": "gpt-4o-mini"}, cast_to=object
        )
    assert (info.value.param, info.value.code) == ("training_file", "missing_required_parameter")


async def test_auto_is_accepted_and_resolved(sandbox: Sandbox) -> None:
    method = {
        "type": "supervised",
        "supervised": {
            "hyperparameters": {
                "n_epochs": "auto",
                "batch_size": 4,
                "learning_rate_multiplier": 0.3,
            }
        },
    }
    job = await sandbox.job(method=method)
    job = await sandbox.finish(job.id)
    assert job.hyperparameters.n_epochs == 9
    assert (job.hyperparameters.batch_size, job.hyperparameters.learning_rate_multiplier) == (
        4,
        0.3,
    )
    assert job.method is not None and job.method.supervised is not None
    assert job.method.supervised.hyperparameters is not None
    assert job.method.supervised.hyperparameters.batch_size == 4


async def test_dpo_job(sandbox: Sandbox) -> None:
    rows = [
        {
            "input": {"messages": [{"role": "user", "content": f"Greet person {i}"}]},
            "preferred_output": [{"role": "assistant", "content": f"Hello, person {i}!"}],
            "non_preferred_output": [{"role": "assistant", "content": "Go away."}],
        }
        for i in range(12)
    ]
    job = await sandbox.job(rows, method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2}}})
    job = await sandbox.finish(job.id)
    assert job.status == "succeeded"
    assert job.hyperparameters is None  # the deprecated field is only for supervised jobs
    assert job.method is not None and job.method.dpo is not None
    assert job.method.dpo.hyperparameters is not None
    assert job.method.dpo.hyperparameters.beta == 0.2
    assert job.fine_tuned_model is not None
    reply = await sandbox.client.chat.completions.create(
        model=job.fine_tuned_model,
        messages=[{"role": "user", "content": "Greet person 7"}],
        temperature=0,
    )
    assert reply.choices[0].message.content == "Hello, person 7!"


async def test_reinforcement_is_refused(sandbox: Sandbox) -> None:
    file_id = await sandbox.upload(jsonl(chat_rows()))
    with pytest.raises(openai.BadRequestError) as info:
        await sandbox.client.fine_tuning.jobs.create(
            model="gpt-4o-mini", training_file=file_id, method={"type": "reinforcement"}
        )
    assert info.value.param == "model"
