"""Atomic writes: nothing torn, nothing left behind, links written through, outputs checked."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tuiftune.cli import main
from tuiftune.dataset.atomic import atomic_copy, atomic_writer, check_regular, clean_stale

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"


class _FullDisk:
    """A file that fails like a full disk once a few bytes have been written."""

    def __init__(self, fh: Any) -> None:
        self.fh, self.written = fh, 0

    def write(self, data: Any) -> int:
        self.written += len(data)
        if self.written > 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        return int(self.fh.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fh, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fdopen

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real(fd, mode, *args, **kwargs)
        return _FullDisk(fh) if "w" in mode else fh

    monkeypatch.setattr("tuiftune.dataset.atomic.os.fdopen", fdopen)


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_full_disk_leaves_the_old_file_and_no_temp(tmp_path: Path, full_disk: None) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    with pytest.raises(OSError, match="No space"), atomic_writer(target, overwrite=True) as fh:
        fh.write(b"x" * 100)
    assert target.read_bytes() == b"old\n"
    assert _hidden(tmp_path) == []


def test_backup_is_atomic(tmp_path: Path, full_disk: None) -> None:
    source, bak = tmp_path / "a.jsonl", tmp_path / "a.jsonl.bak"
    source.write_bytes(b"y" * 100)
    bak.write_bytes(b"previous backup\n")
    with pytest.raises(OSError):
        atomic_copy(source, bak)
    assert bak.read_bytes() == b"previous backup\n"  # never a torn, partial .bak
    assert _hidden(tmp_path) == []


def test_fix_on_a_full_disk_fails_with_one_line(
    tmp_path: Path, full_disk: None, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.jsonl"
    data.write_bytes(FLAWED.read_bytes())
    assert main(["fix", str(data)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "nothing changed" in err[0]
    assert data.read_bytes() == FLAWED.read_bytes()
    assert _hidden(tmp_path) == []


@pytest.mark.parametrize("where", ["missing/out.jsonl", "folder"])
def test_fix_to_an_unwritable_output(
    tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "folder").mkdir()
    assert main(["fix", str(FLAWED), "-o", str(tmp_path / where)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tuiftune fix: cannot write")
    assert ("no such folder" in err[0]) if "missing" in where else ("is a directory" in err[0])


def test_output_over_a_device_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"), atomic_writer(fifo, overwrite=True):
        pass
    with pytest.raises(OSError, match="FIFO"):
        check_regular(fifo)


def test_stale_temp_files_are_cleaned_on_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "data.jsonl"
    dead = tmp_path / ".data.jsonl.999999999.abcdef.tmp"  # a pid no process has
    mine = tmp_path / f".data.jsonl.{os.getpid()}.123456.tmp"  # a write still under way
    other = tmp_path / ".other.jsonl.999999999.abcdef.tmp"
    for p in (dead, mine, other):
        p.write_bytes(b"partial")
    with atomic_writer(target) as fh:
        fh.write(b"{}\n")
    assert not dead.exists()
    assert mine.exists() and other.exists()
    assert clean_stale(target) == 0


def test_fix_in_place_writes_through_a_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real.jsonl"
    real.write_bytes(FLAWED.read_bytes())
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    assert main(["fix", str(link)]) == 0
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() != FLAWED.read_bytes()  # the target itself was fixed
    assert (tmp_path / "link.jsonl.bak").read_bytes() == FLAWED.read_bytes()
    assert _hidden(tmp_path) == []


def test_the_next_fix_removes_what_a_killed_one_left(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_bytes(FLAWED.read_bytes())
    stale = tmp_path / ".data.jsonl.999999999.0a1b2c.tmp"  # kill -9 mid-write, pid long gone
    stale.write_bytes(b"x" * 1000)
    assert main(["fix", str(data), "--dry-run"]) == 0
    assert not stale.exists()
