"""``tuiftune eval --train FILE``: test rows that are in the training file are named on stderr
before the run; ``--job`` with ``--model`` is refused before any request."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tuiftune.cli import dispatch
from tuiftune.commands import eval as eval_cmd

BASE = "gpt-4o-mini-2024-07-18"


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="tuiftune")
    eval_cmd.add_parser(parser.add_subparsers())
    return dispatch(parser.parse_args(["eval", *argv]))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUIFTUNE_SANDBOX_DIR", str(tmp_path / "sandbox"))
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_train_overlap_is_named_before_the_run(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = SAMPLES / "ticket-triage-chat.jsonl"
    lines = train.read_text(encoding="utf-8").splitlines()
    held_out = (SAMPLES / "ticket-triage-test.jsonl").read_text(encoding="utf-8").splitlines()
    test = home / "test.jsonl"
    test.write_text("\n".join([held_out[0], lines[9], held_out[1]]) + "\n", encoding="utf-8")
    argv = [str(test), "--model", BASE, "--sandbox", "--metrics", "em", "--json"]
    assert cli(*argv, "--train", str(train)) == 0
    captured = capsys.readouterr()
    assert f"warning: 1 of 3 rows of {test} are in {train} (1 exact)" in captured.err
    assert f"{test} line 2 ~ {train} line 10: the same text" in captured.err
    assert json.loads(captured.out)["examples"] == 3
    # Without --train, or with a disjoint one, nothing is said.
    assert cli(*argv, "--resume", "--train", str(SAMPLES / "support-chat.jsonl")) == 0
    assert "warning" not in capsys.readouterr().err
    assert cli(*argv, "--resume", "--train", str(home / "missing.jsonl")) == 0
    assert "warning: --train" in capsys.readouterr().err


def test_job_and_model_together_are_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test = str(SAMPLES / "ticket-triage-test.jsonl")
    assert cli(test, "--job", "ftjob-x", "--model", BASE, "--sandbox") == 2
    assert "leave out --model" in capsys.readouterr().err
    assert cli(test, "--sandbox") == 2
    assert "or --job ID" in capsys.readouterr().err
