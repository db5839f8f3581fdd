"""``tuiftune eval`` headless: sandbox state shared with earlier commands, JSON, resume, exports."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import pytest

from tuiftune.cli import dispatch
from tuiftune.commands import eval as eval_cmd
from tuiftune.config import sandbox_dir
from tuiftune.server import ManualClock, ServerOptions
from tuiftune.wiring import build_sandbox_client

from .test_evals_support import BASE, SAMPLES

TEST = str(SAMPLES / "ticket-triage-test.jsonl")


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="tuiftune")
    eval_cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(["eval", *argv])
    return dispatch(args)


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's shared sandbox state lives in TUIFTUNE_SANDBOX_DIR; keep it inside tmp_path."""
    monkeypatch.setenv("TUIFTUNE_SANDBOX_DIR", str(tmp_path / "data" / "sandbox"))
    monkeypatch.setenv("TUIFTUNE_SANDBOX_STEP_SECONDS", "1")
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    return tmp_path


def train_in_cli_sandbox() -> str:
    """Fine-tune as an earlier ``tuiftune`` command would have, in the CLI's sandbox state."""
    state = sandbox_dir()
    assert "data" in state.parts

    async def go() -> str:
        # Started in the past so that, by the real clock the CLI uses, the job has finished.
        clock = ManualClock(time.time() - 10 * 24 * 3600)
        client = build_sandbox_client(ServerOptions(state_dir=state, clock=clock, step_seconds=1))
        async with client:
            file = await client.files.create(
                file=SAMPLES / "ticket-triage-chat.jsonl", purpose="fine-tune"
            )
            job = await client.fine_tuning.jobs.create(training_file=file.id, model=BASE)
            clock.advance(10**6)
            job = await client.fine_tuning.jobs.retrieve(job.id)
            assert job.fine_tuned_model
            return job.fine_tuned_model

    return asyncio.run(go())


def test_compare_json_resume_and_exports(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tuned = train_in_cli_sandbox()
    code = cli(
        TEST,
        "-m",
        BASE,
        "-m",
        tuned,
        "--sandbox",
        "-c",
        "8",
        "--json",
        "--csv",
        "s.csv",
        "--report",
        "r.md",
        "--export-json",
        "all.json",
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["complete"] and doc["examples"] == 30 and doc["run"]["new"] == 60
    base, ft = doc["models"]
    assert ft["classification"]["accuracy"] > base["classification"]["accuracy"] + 0.5
    em = next(m for m in doc["comparison"]["metrics"] if m["metric"] == "em_norm")
    assert em["test"] == "mcnemar-exact" and em["p_value"] < 1e-4
    results = data_home / "ticket-triage-test.results.jsonl"
    assert len(results.read_text().splitlines()) == 60
    assert (data_home / "s.csv").read_text().startswith("index,line,model")
    assert "mcnemar-exact" in (data_home / "r.md").read_text()
    assert len(json.loads((data_home / "all.json").read_text())["results"]) == 60
    # Again without --resume: refused; with it: nothing left to pay for.
    assert cli(TEST, "-m", BASE, "--sandbox") == 2
    assert "--resume" in capsys.readouterr().err
    assert cli(TEST, "-m", BASE, "-m", tuned, "--sandbox", "--resume", "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert again["run"]["new"] == 0 and again["run"]["resumed"] == 60


def test_text_summary_and_usage_errors(data_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = data_home / "x.jsonl"
    assert cli(TEST, "-m", "[bold]nope", "--sandbox", "-o", str(out)) == 3  # refused at once
    assert "does not exist" in capsys.readouterr().err
    assert not out.exists()
    assert cli(TEST, "-m", BASE, "--sandbox", "-o", str(out), "--overwrite", "--metrics", "em") == 0
    text = capsys.readouterr().out
    assert "em_norm" in text and "accuracy" not in text and "complete: 30 new" in text
    assert cli(TEST, "-m", BASE, "--metrics", "em,meteor", "--sandbox") == 2
    assert cli(str(data_home / "missing.jsonl"), "-m", BASE, "--sandbox") == 2
    assert cli(TEST, "-m", "a", "-m", "b", "-m", "c", "--sandbox") == 2
    assert cli(TEST, "-m", BASE, "--judge-model", BASE, "--sandbox") == 2
    err = capsys.readouterr().err
    assert "meteor" in err and "cannot read" in err and "--rubric" in err
