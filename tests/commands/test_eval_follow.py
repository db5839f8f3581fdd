"""``tuiftune eval --job ID --follow`` on the shared sandbox (its manual clock moved by the
watch's sleep): TEST left out takes the test set ``jobs create --test-file`` recorded; a job
that names none, and ``--follow`` without ``--job``, are refused in one line before any
request."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tuiftune.server.clock import ManualClock

from .conftest import Cli
from .jobs_cli_helpers import create


def _test_file(env: Path) -> Path:
    test = env / "held-out.jsonl"
    lines = (SAMPLES / "ticket-triage-test.jsonl").read_text(encoding="utf-8").splitlines()
    test.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    return test


def test_follow_takes_the_jobs_test_file_and_scores_every_model_once(
    clock: ManualClock,
    cli: Cli,
    env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(env)
    test = _test_file(env)
    job = create(cli, capsys, "--test-file", str(test))
    argv = ["eval", "--job", job["id"], "--follow", "--sandbox", "--metrics", "em", "--json"]
    assert cli(*argv) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    labels = [r["label"] for r in doc["rows"]]
    assert labels[0] == "base" and labels[-1] == "final" and len(labels) >= 3
    assert doc["test_set"] == str(test) and doc["examples"] == 4
    # One line per model on stderr (stdout is the JSON), in training order.
    lines = [line for line in captured.err.splitlines() if "examples  [job " in line]
    assert [line.split("  ")[0].strip() for line in lines] == labels
    results = env / f"held-out.{job['id']}.results.jsonl"
    pairs = Counter(
        (r["index"], r["model"])
        for r in map(json.loads, results.read_text(encoding="utf-8").splitlines())
    )
    assert set(pairs.values()) == {1} and len(pairs) == 4 * len(labels)
    assert doc["run"]["new"] == len(pairs) and doc["run"]["resumed"] == 0
    # Again: the job has ended, everything is in the file, nothing is asked.
    assert cli(*argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["run"]["new"] == 0 and again["run"]["resumed"] == len(pairs)


def test_no_test_file_anywhere_is_one_line(
    clock: ManualClock, cli: Cli, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = create(cli, capsys)
    assert cli("eval", "--job", job["id"], "--sandbox", "--follow") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"give TEST.jsonl: {job['id']} names no test set" in err
    test = str(_test_file(env))
    assert cli("eval", test, "--follow", "--model", "m", "--sandbox") == 2
    assert "or --job ID" in capsys.readouterr().err
    assert cli("eval", "--model", "m", "--sandbox") == 2
    assert "give TEST.jsonl" in capsys.readouterr().err
