"""``tuiftune eval --job ID --follow`` on real local-trainer jobs (the tiny model, CPU): the base
model is scored while the job is still starting, then each checkpoint and the final model as
they land, each once, with the job's own test set (its ``tuiftune_test_file`` metadata) when
TEST is left out; the table and a plain-text chart at the end. Ctrl+C stops it cleanly, and the
same command again resumes without asking for any answer twice."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openai
import pytest

from tuiftune.cli import main

from .helpers import jsonl, method
from .real import REPO, SAMPLES, Served

TIMEOUT = 180
LABELS = ["base", "step 3", "step 6", "step 9", "final"]
EXAMPLES = 8


def _rows(n: int) -> list[dict[str, Any]]:
    lines = (SAMPLES / "ticket-triage-chat.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:n]]


def _job(client: openai.OpenAI, base: Path, metadata: dict[str, str] | None = None) -> Any:
    """12 rows, 3 epochs of 3 steps: checkpoints at steps 3, 6 and 9."""
    upload = client.files.create(file=("train.jsonl", jsonl(_rows(12))), purpose="fine-tune")
    return client.fine_tuning.jobs.create(
        training_file=upload.id,
        model=base.name,
        method=method(n_epochs=3, batch_size=4, learning_rate_multiplier=100),
        seed=3,
        metadata=metadata,
    )


def _test_file(tmp_path: Path) -> Path:
    test = tmp_path / "held-out.jsonl"
    test.write_bytes(jsonl(_rows(30)[20 : 20 + EXAMPLES]))
    return test


def _pairs(results: Path) -> list[tuple[int, str]]:
    lines = results.read_text(encoding="utf-8").splitlines()
    return [(r["index"], r["model"]) for r in map(json.loads, lines)]


def _profile(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(tmp_path / "config.toml"))
    assert main(["config", "set-profile", "local", "--base-url", url, "--no-auth"]) == 0


def _first_line(process: subprocess.Popen[bytes], deadline: float) -> str:
    """The process's first line on stdout, waiting no later than ``deadline``."""
    assert process.stdout is not None
    fd, got = process.stdout.fileno(), b""
    while b"\n" not in got:
        left = deadline - time.monotonic()
        assert left > 0, f"no line on stdout yet: {got!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, f"stdout closed after {got!r}"
            got += chunk
    return got.decode().split("\n")[0]


FLAGS = ["--profile", "local", "--metrics", "em,f1", "--max-tokens", "8", "--poll-interval", "0.2"]


def test_follow_scores_each_checkpoint_once_on_the_jobs_own_test_set(
    tiny_model_dir: Path,
    local_server: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    test = _test_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    with contextlib.nullcontext(local_server) as served:  # the session's shared server
        _profile(served.url, tmp_path, monkeypatch)
        client = openai.OpenAI(api_key="local", base_url=served.url, max_retries=0, timeout=60)
        job = _job(client, tiny_model_dir, {"tuiftune_test_file": str(test)})
        capsys.readouterr()
        # No TEST: the job names its own; --chart draws the chart although stdout is a pipe.
        assert main(["eval", "--job", job.id, "--follow", "--chart", *FLAGS]) == 0
        out = capsys.readouterr().out
        done = client.fine_tuning.jobs.retrieve(job.id)
        client.close()

    assert done.status == "succeeded", done.error
    scored = [line for line in out.splitlines() if "examples  [job " in line]
    assert [line.split("  ")[0].strip() for line in scored] == LABELS
    # The base model was scored while the job had not ended: it follows, it does not wait.
    assert "[job succeeded]" not in scored[0]
    assert scored[-1].endswith(f"[job succeeded]  {done.fine_tuned_model}")
    # Each model once, on every example: nothing asked twice.
    results = tmp_path / f"held-out.{job.id}.results.jsonl"
    pairs = _pairs(results)
    assert len(pairs) == len(set(pairs)) == EXAMPLES * len(LABELS)
    assert f"complete: {len(pairs)} new, 0 resumed" in out
    # The table, then the chart: plain text (no escapes on a pipe), at most 80 columns.
    assert "\x1b" not in out
    chart = out[out.index("best: ") :].split("\n  base")[0].splitlines()
    assert any("step" in line.split() for line in chart)  # the x axis's label
    assert max(len(line) for line in chart) <= 80


def test_ctrl_c_stops_the_follow_and_the_same_command_resumes_it(
    tiny_model_dir: Path,
    local_server: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    test = _test_file(tmp_path)
    results = tmp_path / "follow.results.jsonl"
    with contextlib.nullcontext(local_server) as served:  # the session's shared server
        _profile(served.url, tmp_path, monkeypatch)
        client = openai.OpenAI(api_key="local", base_url=served.url, max_retries=0, timeout=60)
        job = _job(client, tiny_model_dir)
        argv = ["eval", str(test), "--job", job.id, "--follow", "--out", str(results), *FLAGS]
        process = subprocess.Popen(
            [sys.executable, "-m", "tuiftune", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        first = _first_line(process, time.monotonic() + TIMEOUT)
        assert first.startswith("base "), first
        process.send_signal(signal.SIGINT)
        _, raw_err = process.communicate(timeout=60)
        err = raw_err.decode()
        assert process.returncode == 130, err
        assert "interrupted; run the same command again to resume" in err
        assert "Traceback" not in err
        kept = _pairs(results)
        assert len(kept) == len(set(kept)) >= EXAMPLES
        capsys.readouterr()
        assert main([*argv, "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        client.close()

    assert [r["label"] for r in doc["rows"]] == LABELS
    # The rerun paid only for what the first one had not got.
    assert doc["run"]["resumed"] == len(kept)
    assert doc["run"]["new"] == EXAMPLES * len(LABELS) - len(kept)
    pairs = _pairs(results)
    assert len(pairs) == len(set(pairs)) == EXAMPLES * len(LABELS)
