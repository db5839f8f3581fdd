"""``tuiftune jobs`` as a user runs it, against the shared sandbox on disk (manual clock):
create, list, show."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tuiftune.server.clock import ManualClock

from .conftest import Cli
from .jobs_cli_helpers import CLEAN, FAST, FLAWED, JOB_KEYS, MODEL, create, sandbox_files


def test_create_refuses_a_flawed_file(
    clock: ManualClock, env: Path, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli("jobs", "create", str(FLAWED), "--model", "babbage-002", "--sandbox")
    assert code == 1
    captured = capsys.readouterr()
    assert "refused" in captured.err and "3 error(s)" in captured.err
    assert "line 13 [json.invalid]" in captured.err
    assert "Traceback" not in captured.err
    assert sandbox_files(env) == []  # nothing was uploaded
    # --force uploads it anyway and says so.
    code = cli("jobs", "create", str(FLAWED), "--model", "babbage-002", "--sandbox", "--force")
    out = capsys.readouterr().out
    assert code == 0
    assert "3 errors" in out and "--force" in out and "created ftjob-" in out


def test_create_shows_lint_upload_and_a_hint(
    clock: ManualClock, env: Path, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("jobs", "create", str(CLEAN), "--model", MODEL, "--sandbox", *FAST) == 0
    out = capsys.readouterr().out
    assert "0 errors" in out
    assert f"uploaded {CLEAN} as file-" in out
    assert "created ftjob-" in out and "(validating_files)" in out
    assert "tuiftune jobs watch ftjob-" in out and "--sandbox" in out
    # The same file again is not uploaded twice.
    assert cli("jobs", "create", str(CLEAN), "--model", MODEL, "--sandbox", *FAST) == 0
    assert "reused identical upload" in capsys.readouterr().out
    assert len(sandbox_files(env)) == 1


def test_create_json_shape_and_request(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    job = create(
        cli,
        capsys,
        "--validation",
        str(SAMPLES / "ticket-triage-test.jsonl"),
        "--suffix",
        "triage",
        "--seed",
        "7",
        "--lr-multiplier",
        "0.5",
        "--metadata",
        "team=ml",
        "--metadata",
        "run=a=b",
    )
    assert set(job) == JOB_KEYS
    assert job["id"].startswith("ftjob-")
    assert job["status"] == "validating_files"
    assert job["model"] == MODEL and job["method"] == "supervised"
    assert job["hyperparameters"] == {
        "n_epochs": 1,
        "batch_size": 8,
        "learning_rate_multiplier": 0.5,
    }
    assert job["training_file"].startswith("file-") and job["validation_file"].startswith("file-")
    assert job["suffix"] == "triage" and job["seed"] == 7
    assert job["metadata"] == {"team": "ml", "run": "a=b"}
    assert job["fine_tuned_model"] is None and job["error"] is None
    assert job["result_files"] == [] and job["integrations"] == []
    assert isinstance(job["created_at"], int)


def test_dpo_job_with_beta(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(
        "jobs",
        "create",
        str(SAMPLES / "support-dpo.jsonl"),
        "--model",
        MODEL,
        "--method",
        "dpo",
        "--beta",
        "0.2",
        "--epochs",
        "1",
        "--sandbox",
        "--json",
    )
    job = json.loads(capsys.readouterr().out)
    assert code == 0
    assert job["method"] == "dpo" and job["hyperparameters"]["beta"] == 0.2


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (("--epochs", "0"), "n_epochs"),
        (("--beta", "0.1"), "beta applies only to the dpo method"),
        (("--suffix", "x" * 65), "suffix"),
    ],
)
def test_bad_request_is_a_usage_error_before_any_upload(
    clock: ManualClock,
    env: Path,
    cli: Cli,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    needle: str,
) -> None:
    assert cli("jobs", "create", str(CLEAN), "--model", MODEL, "--sandbox", *extra) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1
    assert sandbox_files(env) == []


def test_usage_errors(
    clock: ManualClock, env: Path, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("jobs", "create", str(env / "nope.jsonl"), "--model", MODEL, "--sandbox") == 2
    assert "cannot read" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        cli("jobs", "create", str(CLEAN), "--model", MODEL, "--metadata", "novalue")
    assert exit_info.value.code == 2
    assert cli("jobs", "list", "--profile", "nope") == 2
    assert "config error" in capsys.readouterr().err
    assert cli("jobs") == 2


def test_create_names_why_a_path_is_not_a_file(
    clock: ManualClock, env: Path, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder or a FIFO exists: 'no such file' would send the user looking in vain."""
    folder = env / "data.jsonl"
    folder.mkdir()
    fifo = env / "pipe.jsonl"
    os.mkfifo(fifo)
    for path, why in ((folder, "is a directory"), (fifo, "a FIFO")):
        assert cli("jobs", "create", str(path), "--model", MODEL, "--sandbox") == 2
        err = capsys.readouterr().err
        assert f"cannot read {path}: {why}" in err and "no such file" not in err
        assert len(err.strip().splitlines()) == 1
    assert cli("jobs", "create", str(env / "nope.jsonl"), "--model", MODEL, "--sandbox") == 2
    assert "No such file or directory" in capsys.readouterr().err
    assert sandbox_files(env) == []


def test_a_refusal_names_the_file_not_line_0(
    clock: ManualClock, env: Path, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    small = env / "small.jsonl"
    small.write_bytes(b"".join(CLEAN.read_bytes().splitlines(keepends=True)[:3]))
    assert cli("jobs", "create", str(small), "--model", MODEL, "--sandbox") == 1
    err = capsys.readouterr().err
    assert "  file [dataset.too_few]: 3 examples" in err and "line 0" not in err
    assert sandbox_files(env) == []


def test_list_text_and_json(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    first = create(cli, capsys)
    clock.advance(1000)  # the first job has succeeded by now
    second = create(cli, capsys)
    assert cli("jobs", "list", "--sandbox") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["ID", "STATUS", "MODEL", "CREATED"]
    # Newest first.
    assert lines[1].startswith(second["id"]) and "validating_files" in lines[1]
    assert lines[2].startswith(first["id"]) and "succeeded" in lines[2]
    assert "ft:gpt-4o-mini-2024-07-18:sandbox" in lines[2]

    assert cli("jobs", "--sandbox", "list", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"jobs", "has_more"} and data["has_more"] is False
    assert [j["id"] for j in data["jobs"]] == [second["id"], first["id"]]
    assert all(set(j) == JOB_KEYS for j in data["jobs"])

    assert cli("jobs", "list", "--sandbox", "--json", "--status", "succeeded") == 0
    data = json.loads(capsys.readouterr().out)
    assert [j["id"] for j in data["jobs"]] == [first["id"]]
    assert cli("jobs", "list", "--sandbox", "--json", "--limit", "1") == 0
    data = json.loads(capsys.readouterr().out)
    assert [j["id"] for j in data["jobs"]] == [second["id"]] and data["has_more"] is True
    assert cli("jobs", "list", "--sandbox", "--limit", "1") == 0
    assert "--all" in capsys.readouterr().out


def test_show_text_and_json(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    job = create(cli, capsys, "--suffix", "triage", "--metadata", "team=ml")
    clock.advance(8)  # validated, queued, then 5 of 10 steps
    assert cli("jobs", "show", job["id"], "--sandbox") == 0
    out = capsys.readouterr().out
    assert f"id                {job['id']}" in out
    assert "running  step 5/10" in out
    assert "supervised (n_epochs 1, batch_size 8, learning_rate_multiplier 1.0)" in out
    assert "metadata          team=ml" in out
    clock.advance(1000)
    assert cli("jobs", "show", job["id"], "--sandbox", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == JOB_KEYS | {"progress", "checkpoints"}
    assert data["status"] == "succeeded" and data["trained_tokens"] > 0
    assert data["fine_tuned_model"].startswith("ft:gpt-4o-mini-2024-07-18:sandbox:triage:")
    assert data["progress"]["step"] == 10 and data["progress"]["total_steps"] == 10
    assert data["checkpoints"] == [
        {
            "id": data["checkpoints"][0]["id"],
            "step": 10,
            "fine_tuned_model_checkpoint": data["checkpoints"][0]["fine_tuned_model_checkpoint"],
            "created_at": data["checkpoints"][0]["created_at"],
            "metrics": data["checkpoints"][0]["metrics"],
        }
    ]
    assert "train_loss" in data["checkpoints"][0]["metrics"]


def test_unknown_job_is_one_clear_line(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    for action in ("show", "watch", "cancel", "results"):
        assert cli("jobs", action, "ftjob-nope", "--sandbox") == 3
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "not found" in err.lower() and "Traceback" not in err


def test_show_lines_up_the_checkpoints(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    job = create(cli, capsys, "--epochs", "10")  # 100 steps: checkpoints at 80, 90, 100
    clock.advance(100_000)
    assert cli("jobs", "show", job["id"], "--sandbox") == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("checkpoint")]
    steps = [int(line.split("step", 1)[1].split()[0]) for line in rows]
    assert len(rows) >= 2 and len({len(str(s)) for s in steps}) > 1, rows  # 2 and 3 digits
    assert len({line.index("ft:") for line in rows}) == 1, rows  # the names start in one column


@pytest.mark.parametrize(("flag", "value"), [("--interval", "inf"), ("--interval", "nan")])
def test_watch_refuses_an_interval_that_never_comes(
    cli: Cli, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    """``--interval inf`` polled never again (the watch hung); now one usage line, exit 2."""
    with pytest.raises(SystemExit) as exited:
        cli("jobs", "watch", "ftjob-x", "--sandbox", flag, value)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if "error:" in x]
    assert flag in line and "finite" in line and "Traceback" not in err
