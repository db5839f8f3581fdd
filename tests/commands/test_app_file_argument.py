"""``tuiftune FILE`` with a FILE that is not a file: one line saying what it is, exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tuiftune.cli import main


def test_a_folder_fifo_or_missing_file_is_named_for_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data.jsonl"
    folder.mkdir()
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    cases = [
        (folder, "is a directory, not a file"),
        (fifo, "a FIFO; give a regular file"),
        (tmp_path / "gone.jsonl", "No such file or directory"),
    ]
    for path, why in cases:
        assert main([str(path)]) == 2
        captured = capsys.readouterr()
        assert captured.err.strip().splitlines() == [f"tuiftune: {path}: {why}"]


def test_an_escape_in_the_name_never_reaches_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "\x1b[2J\x1b]52;c;Zm9v\x07.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "No such file" in err
