"""``tuiftune jobs create --validation``: validation rows also in the training file are named
(both lines) before the job is watched; disjoint files say nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tuiftune.server.clock import ManualClock

from .conftest import Cli
from .jobs_cli_helpers import CLEAN, FAST, MODEL


def test_validation_rows_copied_from_training_are_named(
    clock: ManualClock, tmp_path: Path, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    train = CLEAN.read_text(encoding="utf-8").splitlines()
    test = SAMPLES.joinpath("ticket-triage-test.jsonl").read_text(encoding="utf-8").splitlines()
    valid = tmp_path / "valid.jsonl"
    # Validation lines 3 and 7 are training lines 5 and 12.
    rows = [*test[:2], train[4], *test[2:5], train[11], *test[5:12]]
    valid.write_text("\n".join(rows) + "\n", encoding="utf-8")
    args = ("jobs", "create", str(CLEAN), "--validation", str(valid), "--model", MODEL)
    assert cli(*args, "--sandbox", *FAST) == 0
    err = capsys.readouterr().err
    assert f"warning: 2 of {len(rows)} rows of {valid} are in {CLEAN} (2 exact)" in err
    assert f"{valid} line 3 ~ {CLEAN} line 5: the same text" in err
    assert f"{valid} line 7 ~ {CLEAN} line 12: the same text" in err


def test_disjoint_validation_file_gives_no_warning(
    clock: ManualClock, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    valid = SAMPLES / "ticket-triage-test.jsonl"
    args = ("jobs", "create", str(CLEAN), "--validation", str(valid), "--model", MODEL)
    assert cli(*args, "--sandbox", *FAST) == 0
    captured = capsys.readouterr()
    assert "created ftjob-" in captured.out
    assert "warning" not in captured.err
