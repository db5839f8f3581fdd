"""The CLI's sandbox is shared by separate processes: state on disk, pace from the environment,
and Ctrl-C (a real SIGINT) stops a watch but not the job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLES
from tuiftune.config import ConfigError, sandbox_dir
from tuiftune.wiring import build_sandbox_client, shared_sandbox_options

from .conftest import Cli

MODEL = "gpt-4o-mini-2024-07-18"


def test_sandbox_dir_and_step_from_env(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert sandbox_dir() == env / "sandbox"
    monkeypatch.delenv("TUIFTUNE_SANDBOX_DIR")
    # The platform's data folder (XDG_DATA_HOME on Linux) otherwise.
    if sys.platform.startswith("linux"):
        assert sandbox_dir() == env / "data" / "tuiftune" / "sandbox"
    assert shared_sandbox_options({"TUIFTUNE_SANDBOX_STEP_SECONDS": "0.01"}).step_seconds == 0.01
    assert shared_sandbox_options({}).step_seconds == 0.5
    for bad in ("fast", "-1", "nan"):
        with pytest.raises(ConfigError, match="TUIFTUNE_SANDBOX_STEP_SECONDS"):
            shared_sandbox_options({"TUIFTUNE_SANDBOX_STEP_SECONDS": bad})


def test_bad_step_env_is_a_config_error(
    env: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TUIFTUNE_SANDBOX_STEP_SECONDS", "soon")
    assert cli("jobs", "list", "--sandbox") == 2
    assert "TUIFTUNE_SANDBOX_STEP_SECONDS" in capsys.readouterr().err


async def test_clients_without_options_share_state(env: Path) -> None:
    one = build_sandbox_client()
    try:
        made = await one.files.create(file=("a.jsonl", b"{}\n"), purpose="fine-tune")
    finally:
        await one.close()
    two = build_sandbox_client()
    try:
        assert [f.id for f in (await two.files.list()).data] == [made.id]
    finally:
        await two.close()
    assert (env / "sandbox" / "files" / f"{made.id}.json").is_file()


def test_real_time_and_sigint_across_processes(
    env: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    # Real time here: 0.2 s a step, 10 steps, so the job is still running when interrupted.
    monkeypatch.setenv("TUIFTUNE_SANDBOX_STEP_SECONDS", "0.2")
    argv = ["jobs", "create", str(SAMPLES / "ticket-triage-chat.jsonl"), "--model", MODEL]
    assert cli(*argv, "--epochs", "1", "--batch-size", "8", "--sandbox", "--json") == 0
    job_id = json.loads(capsys.readouterr().out)["id"]
    script = (
        "import sys; from tests.commands.conftest import run_cli; sys.exit(run_cli(sys.argv[1:]))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "jobs", "watch", job_id, "--sandbox", "--interval", "0.1"],
        cwd=REPO,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_metric = threading.Event()
        lines: list[str] = []

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if "metrics  step" in line:
                    first_metric.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert first_metric.wait(20), "".join(lines)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        reader.join(timeout=5)
        assert proc.stderr is not None
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "keeps running" in err and "Traceback" not in err
    assert lines[0].startswith(f"watching {job_id}")
    # The job was created by this process and watched by the other one: one shared sandbox.
    assert cli("jobs", "show", job_id, "--sandbox", "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] in ("running", "succeeded")
