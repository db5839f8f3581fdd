"""``tuiftune jobs`` watch, cancel, pause, resume and results, against the shared sandbox on
disk (manual clock)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tuiftune.server.clock import ManualClock

from .conftest import Cli, ndjson, set_watch_sleep
from .jobs_cli_helpers import CLEAN, FAST, JOB_KEYS, MODEL, create


def test_watch_to_success(clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    job = create(cli, capsys)
    assert cli("jobs", "watch", job["id"], "--sandbox") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"watching {job['id']}  {MODEL}  supervised (n_epochs 1")
    assert lines[0].endswith("status validating_files")
    assert any(f"info     Created fine-tuning job: {job['id']}" in ln for ln in lines)
    metric_lines = [ln for ln in lines if "metrics  step" in ln]
    assert len(metric_lines) == 10
    assert "step 10/10  train loss" in metric_lines[-1]
    assert "train acc" in metric_lines[-1]
    assert any("-> running" in ln for ln in lines)
    assert lines[-1].startswith("succeeded: ft:gpt-4o-mini-2024-07-18:sandbox")
    assert "10 steps" in lines[-1] and "trained tokens" in lines[-1]


def test_watch_json_lines(clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    job = create(cli, capsys)
    assert cli("jobs", "watch", job["id"], "--sandbox", "--json") == 0
    lines = ndjson(capsys.readouterr().out)
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "job" and kinds[-1] == "end"
    assert set(kinds) == {"job", "event", "metrics", "end"}
    first = lines[0]
    assert set(first) == {"type", "time", "job"} and set(first["job"]) == JOB_KEYS
    changes = [line for line in lines[1:] if line["type"] == "job"]
    assert set(changes[0]) == {"type", "time", "previous_status", "job"}
    assert [c["job"]["status"] for c in changes][-1] == "succeeded"
    event = next(line for line in lines if line["type"] == "event")
    assert set(event) == {"type", "id", "created_at", "level", "message", "event_type", "data"}
    assert event["level"] == "info" and event["message"].startswith("Created fine-tuning job")
    metrics = [line for line in lines if line["type"] == "metrics"]
    assert [m["step"] for m in metrics] == list(range(1, 11))
    assert set(metrics[0]) == {"type", "id", "created_at", "step", "total_steps", "values"}
    assert metrics[0]["total_steps"] == 10 and "train_loss" in metrics[0]["values"]
    ids = [line["id"] for line in lines if line["type"] in ("event", "metrics")]
    assert len(ids) == len(set(ids))
    end = lines[-1]
    assert set(end) == {"type", "status", "exit_code", "job"}
    assert end["status"] == "succeeded" and end["exit_code"] == 0
    assert end["job"]["fine_tuned_model"].startswith("ft:")


def test_cancel_then_watch_exits_1(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    job = create(cli, capsys)
    clock.advance(5)
    assert cli("jobs", "cancel", job["id"], "--sandbox") == 0
    assert f"cancel: {job['id']} is now cancelled" in capsys.readouterr().out
    assert cli("jobs", "watch", job["id"], "--sandbox") == 1
    out = capsys.readouterr().out
    assert "Fine-tuning job cancelled" in out
    assert out.splitlines()[-1] == "cancelled"
    # A finished job cannot be cancelled again: the server's refusal, one line.
    assert cli("jobs", "cancel", job["id"], "--sandbox") == 3
    err = capsys.readouterr().err
    assert "Cannot cancel" in err and err.count("\n") == 1


def test_failed_job_watch_exits_1_with_reason(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The legacy sample is valid JSONL but chat models need chat data: the server fails it.
    legacy = SAMPLES / "ticket-triage-legacy.jsonl"
    code = cli("jobs", "create", str(legacy), "--model", MODEL, "--sandbox", "--json", "--force")
    assert code == 0
    job = json.loads(capsys.readouterr().out)
    assert cli("jobs", "watch", job["id"], "--sandbox") == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("failed: ")


def test_pause_and_resume(clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    job = create(cli, capsys)
    clock.advance(5)
    assert cli("jobs", "pause", job["id"], "--sandbox", "--json") == 0
    paused = json.loads(capsys.readouterr().out)
    assert paused["status"] == "paused" and set(paused) == JOB_KEYS
    clock.advance(500)  # time passes, nothing moves
    assert cli("jobs", "show", job["id"], "--sandbox", "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] == "paused"
    # A paused job cannot be resumed twice or paused again: a clear refusal.
    assert cli("jobs", "pause", job["id"], "--sandbox") == 3
    capsys.readouterr()
    assert cli("jobs", "resume", job["id"], "--sandbox") == 0
    assert "is now running" in capsys.readouterr().out
    assert cli("jobs", "watch", job["id"], "--sandbox") == 0
    out = capsys.readouterr().out
    assert "Fine-tuning job paused" in out and "Fine-tuning job resumed" in out


def test_results_csv_decoded(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job = create(cli, capsys)
    assert cli("jobs", "results", job["id"], "--sandbox") == 1
    assert "no result file yet" in capsys.readouterr().err
    clock.advance(1000)
    target = tmp_path / "metrics.csv"
    assert cli("jobs", "results", job["id"], "--sandbox", "-o", str(target)) == 0
    assert f"wrote 10 metric rows of {job['id']}" in capsys.readouterr().out
    text = target.read_text()
    assert (
        text.splitlines()[0]
        == "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"
    )
    assert len(text.splitlines()) == 11
    # Without -o the CSV goes to stdout; --json gives the rows.
    assert cli("jobs", "results", job["id"], "--sandbox") == 0
    assert capsys.readouterr().out == text
    assert cli("jobs", "results", job["id"], "--sandbox", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"job_id", "result_file", "output", "rows"}
    assert data["job_id"] == job["id"] and data["output"] is None
    assert data["rows"][0]["step"] == 1 and isinstance(data["rows"][0]["train_loss"], float)
    assert len(data["rows"]) == 10


def test_create_wait_watches_to_the_end(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli("jobs", "create", str(CLEAN), "--model", MODEL, "--sandbox", "--wait", *FAST)
    assert code == 0
    out = capsys.readouterr().out
    assert "created ftjob-" in out and out.splitlines()[-1].startswith("succeeded: ft:")
    code = cli(
        "jobs", "create", str(CLEAN), "--model", MODEL, "--sandbox", "--wait", "--json", *FAST
    )
    lines = ndjson(capsys.readouterr().out)
    assert code == 0
    assert lines[0]["type"] == "created" and set(lines[0]["job"]) == JOB_KEYS
    assert lines[-1]["type"] == "end" and lines[-1]["exit_code"] == 0


def test_watch_no_follow_prints_what_is_there(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    job = create(cli, capsys)
    clock.advance(6)
    assert cli("jobs", "watch", job["id"], "--sandbox", "--no-follow") == 0
    out = capsys.readouterr().out
    assert "step 3/10" in out and "step 4/10" not in out
    assert "(still going: tuiftune jobs watch" in out.splitlines()[-1]


def test_ctrl_c_stops_watching_not_the_job(
    clock: ManualClock,
    cli: Cli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = create(cli, capsys)

    async def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    set_watch_sleep(monkeypatch, interrupt)
    assert cli("jobs", "watch", job["id"], "--sandbox") == 130
    captured = capsys.readouterr()
    assert "keeps running" in captured.err and "Traceback" not in captured.err
    assert f"tuiftune jobs watch {job['id']} --sandbox" in captured.err
    assert cli("jobs", "show", job["id"], "--sandbox", "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] not in ("cancelled", "failed")
