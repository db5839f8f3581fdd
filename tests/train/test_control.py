"""Control as the server uses it: pause + resume equals a straight run, cancel, parent death."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.train.runs import (
    FAST,
    REPO,
    events,
    finish,
    of_type,
    run_in_process,
    sample_lines,
    start_engine,
    wait_for,
    write_config,
    write_jsonl,
)

# Dropout on, so resuming must restore the RNG too, not only weights and optimizer.
# Enough steps (36) that the pause, asked for after the first one, lands mid-run.
RESUMABLE = {**FAST, "n_epochs": 6, "lora_dropout": 0.1}


@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("control")
    return write_jsonl(root / "train.jsonl", sample_lines("ticket-triage-chat.jsonl", 24))


def test_pause_then_resume_equals_an_uninterrupted_run(
    tmp_path: Path, tiny_model_dir: Path, training: Path
) -> None:
    straight = tmp_path / "straight"
    assert (
        run_in_process(write_config(straight, tiny_model_dir, training, hyperparameters=RESUMABLE))
        == 0
    )

    run_dir = tmp_path / "paused"
    config = write_config(run_dir, tiny_model_dir, training, hyperparameters=RESUMABLE)
    proc = start_engine(config)
    wait_for(lambda: of_type(run_dir, "metrics"), 60, "the first step")
    (run_dir / "control").mkdir()
    (run_dir / "control" / "pause").touch()
    assert finish(proc) == 0
    paused = of_type(run_dir, "paused")[0]
    total = of_type(run_dir, "plan")[0]["total_steps"]
    assert 1 <= paused["step"] < total and not (run_dir / "control" / "pause").exists()

    resumed = json.loads(config.read_text())
    resumed["resume_from"] = paused["state"]
    config.write_text(json.dumps(resumed))
    assert run_in_process(config) == 0
    first = of_type(straight, "metrics")
    second = {m["step"]: m for m in of_type(run_dir, "metrics")}  # resumed steps replace none
    assert sorted(second) == list(range(1, total + 1))
    for metric in first:
        assert abs(second[metric["step"]]["train_loss"] - metric["train_loss"]) < 1e-4
    assert (
        of_type(run_dir, "done")[0]["trained_tokens"]
        == of_type(straight, "done")[0]["trained_tokens"]
    )
    rows = (run_dir / "results.csv").read_text().splitlines()
    assert len(rows) == total + 1


@pytest.fixture(scope="module")
def long_runs(
    tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, training: Path
) -> Iterator[dict[str, Any]]:
    """Two long runs started together (their start-up overlaps): one the test will SIGTERM, one
    under a stand-in server that the test kills with -9. 1,200 steps each: still running when
    their test comes."""
    root = tmp_path_factory.mktemp("long")
    long = {**FAST, "n_epochs": 50, "batch_size": 1}
    cancel_dir, orphan_dir = root / "cancel", root / "orphan"
    cancel = start_engine(write_config(cancel_dir, tiny_model_dir, training, hyperparameters=long))
    config = write_config(orphan_dir, tiny_model_dir, training, hyperparameters=long)
    server = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-m', 'tuiftune.server.trainers.local_engine',"
        f" 'train', '--config', {str(config)!r}])\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen(
        [sys.executable, "-c", server], stdout=subprocess.PIPE, env=env, cwd=REPO
    )
    assert parent.stdout is not None
    engine_pid = int(parent.stdout.readline())
    yield {"cancel": (cancel, cancel_dir), "orphan": (parent, engine_pid, orphan_dir)}
    for pid in (engine_pid,):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for proc in (cancel, parent):
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigterm_cancels_within_five_seconds(long_runs: dict[str, Any]) -> None:
    proc, run_dir = long_runs["cancel"]
    wait_for(lambda: of_type(run_dir, "metrics"), 60, "the first step")
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert finish(proc, 5) == 0
    assert time.monotonic() - sent < 5
    cancelled = of_type(run_dir, "cancelled")
    assert len(cancelled) == 1 and cancelled[0]["step"] >= 1
    assert not of_type(run_dir, "done")


def test_sigterm_while_loading_cancels_at_once(
    tmp_path: Path, tiny_model_dir: Path, training: Path
) -> None:
    run_dir = tmp_path / "run"
    proc = start_engine(write_config(run_dir, tiny_model_dir, training))
    wait_for(lambda: events(run_dir), 60, "the first event")
    proc.send_signal(signal.SIGTERM)
    assert finish(proc, 5) == 0
    assert of_type(run_dir, "cancelled") and not of_type(run_dir, "metrics")


def test_the_run_stops_when_its_server_dies(long_runs: dict[str, Any]) -> None:
    """A stand-in server started the engine and is killed with -9: the engine saves and exits."""
    parent, engine_pid, run_dir = long_runs["orphan"]
    wait_for(lambda: of_type(run_dir, "metrics"), 60, "the first step")
    parent.kill()
    parent.wait()

    def gone() -> bool:
        try:
            os.kill(engine_pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(gone, 10, "the orphaned engine to exit")
    states = of_type(run_dir, "state")
    assert states and (Path(states[-1]["path"]) / "state.pt").is_file()
    assert not of_type(run_dir, "cancelled") and not of_type(run_dir, "done")
