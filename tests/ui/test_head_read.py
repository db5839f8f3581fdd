"""The editor's first read of a file: the complete lines of its head (ui/dataset/loading.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tuiftune.dataset.atomic import NotRegularFileError
from tuiftune.ui.dataset.loading import read_head


async def test_the_head_is_the_complete_lines_within_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 10 + b'{"b": 22}\n')
    head = await read_head(path, 25)
    assert head == b'{"a": 1}\n{"a": 1}\n'  # 18 bytes: the third line would end at 27


async def test_no_head_when_it_would_be_the_whole_file_or_no_line(tmp_path: Path) -> None:
    small = tmp_path / "small.jsonl"
    small.write_bytes(b'{"a": 1}\n')
    assert await read_head(small, 9) is None  # the full load is as quick
    long_line = tmp_path / "long.jsonl"
    long_line.write_bytes(b'{"a": "' + b"x" * 100 + b'"}\n')
    assert await read_head(long_line, 50) is None  # no complete line within 50 bytes


async def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFileError):
        await read_head(fifo, 1024)
