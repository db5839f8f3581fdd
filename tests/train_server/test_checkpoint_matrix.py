"""``tuiftune eval TEST --job ID`` on a real local-trainer job (the tiny model, CPU): one row per
checkpoint plus base and final, the best is the highest score, a rerun resumes without a
request, and the test rows copied from the job's training file are named; the job's second
results file holds the per-example training losses."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import openai
import pytest

from tuiftune.cli import main

from .helpers import jsonl, method
from .real import SAMPLES, Served

TIMEOUT = 180


def _rows(n: int) -> list[dict[str, Any]]:
    lines = (SAMPLES / "ticket-triage-chat.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:n]]


def _finished(client: openai.OpenAI, job_id: str) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while True:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, f"{job_id} still {job.status}"
        time.sleep(0.2)


async def _service_losses(url: str, job_id: str) -> Any:
    from tuiftune.service.example_losses import job_example_losses
    from tuiftune.service.providers.openai import from_clients

    client = openai.AsyncOpenAI(api_key="local", base_url=url, max_retries=0, timeout=60)
    async with from_clients(client) as provider:
        return await job_example_losses(provider, await provider.jobs.retrieve(job_id))


def _means(results: Path, metric: str) -> dict[str, float]:
    per: dict[str, list[float]] = {}
    for line in results.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        value = 0.0 if r.get("error") else r["scores"][metric]
        per.setdefault(r["model"], []).append(value)
    return {m: sum(v) / len(v) for m, v in per.items()}


def test_checkpoint_matrix_of_a_local_job(
    tiny_model_dir: Path,
    local_server: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    train = _rows(12)
    test = tmp_path / "test.jsonl"
    # Test lines 1-6 are training rows 1-6; lines 7-8 are not in the training file.
    others = _rows(20)[14:16]
    test.write_bytes(jsonl(train[:6] + others))
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(tmp_path / "config.toml"))
    served = local_server  # shared: the job and its models are this test's own
    client = openai.OpenAI(api_key="local", base_url=served.url, max_retries=0, timeout=60)
    upload = client.files.create(file=("train.jsonl", jsonl(train)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        training_file=upload.id,
        model=tiny_model_dir.name,
        method=method(n_epochs=3, batch_size=4, learning_rate_multiplier=100),
        seed=3,
    )
    done = _finished(client, job.id)
    assert done.status == "succeeded", done.error
    # The results files: the metrics CSV, then the final model's loss on each training row.
    assert len(done.result_files) == 2
    losses_file = client.files.retrieve(done.result_files[1])
    assert losses_file.filename == "example_losses.jsonl"
    assert losses_file.purpose == "fine-tune-results"
    losses = [json.loads(x) for x in client.files.content(losses_file.id).text.splitlines()]
    assert [r["line"] for r in losses] == list(range(1, 13))
    assert all(r["loss"] >= 0 and r["tokens"] > 0 for r in losses)
    # The same through the service layer, as the editor's loss column reads it.
    from_service = asyncio.run(_service_losses(served.url, job.id))
    assert from_service is not None
    assert {n: e.loss for n, e in from_service.items()} == {r["line"]: r["loss"] for r in losses}
    steps = sorted(c.step_number for c in client.fine_tuning.jobs.checkpoints.list(job.id).data)
    assert main(["config", "set-profile", "local", "--base-url", served.url, "--no-auth"]) == 0
    capsys.readouterr()
    out = tmp_path / "matrix.results.jsonl"
    argv = ["eval", str(test), "--job", job.id, "--profile", "local", "--out", str(out)]
    argv += ["--metrics", "em,f1", "--max-tokens", "8", "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    matrix = json.loads(captured.out)
    # The second run pays for nothing: every result is already in the file.
    assert main([*argv, "--resume"]) == 0
    again = json.loads(capsys.readouterr().out)
    argv.remove("--json")
    assert main([*argv, "--resume"]) == 0
    table = capsys.readouterr().out
    client.close()

    rows = matrix["rows"]
    assert steps == [3, 6, 9]
    assert [r["label"] for r in rows] == ["base", "step 3", "step 6", "step 9", "final"]
    assert rows[0]["model"] == tiny_model_dir.name
    assert rows[-1]["model"] == done.fine_tuned_model
    assert all(r["n"] == 8 for r in rows)
    assert matrix["metric"] == "em_norm"
    means = _means(out, "em_norm")
    assert {r["model"]: r["score"] for r in rows} == pytest.approx(means)
    best = [r for r in rows if r["best"]]
    assert len(best) == 1 and best[0]["score"] == max(means.values())
    assert matrix["best"] == best[0]["model"]
    # Every row but the final one is tested against it on the same 8 examples.
    assert rows[-1]["vs_final"] is None
    assert all(r["vs_final"]["n"] == 8 for r in rows[:-1])
    assert all(r["losses"].get("train_loss") is not None for r in rows[1:])
    assert again["run"]["new"] == 0 and again["run"]["resumed"] == 40
    assert [r["score"] for r in again["rows"]] == [r["score"] for r in rows]
    # The job's own training file holds test lines 1-6.
    assert f"warning: 6 of 8 rows of {test} are in training file {upload.id}" in captured.err
    assert f"{test} line 3 ~ training file {upload.id} line 3: the same text" in captured.err
    # The table a person reads: one line per model, the best one says so.
    best_line = next(line for line in table.splitlines() if "best" in line and "│" in line)
    assert best[0]["label"] in best_line
    assert f"  final   {done.fine_tuned_model}" in table
