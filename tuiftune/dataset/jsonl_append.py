"""Appending records to a JSONL file: one whole line each, after a newline if the file lacks one."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def json_line(record: Any) -> bytes:
    """One record as a UTF-8 JSON line; a lone surrogate is written as its ``\\ud800`` escape."""
    text = json.dumps(record, ensure_ascii=False)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = json.dumps(record, ensure_ascii=True).encode("ascii")
    return data + b"\n"


def _check_target(path: Path) -> bool:
    """Whether the file exists and is not empty; refuses what is not a regular file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(st.st_mode):
        # A FIFO would block forever and a directory cannot be appended to.
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise IsADirectoryError(21, f"{path} is {kind}")
    return st.st_size > 0


def append_jsonl(path: Path, records: Iterable[Any]) -> int:
    """Append records as JSON lines in one write, creating the file; returns how many.

    A file whose last line has no newline gets one first, so no record is glued to another.
    """
    lines = b"".join(json_line(r) for r in records)
    count = lines.count(b"\n")
    prefix = b""
    if not path.exists():
        # A new file appears whole (written aside, then renamed), never empty or half written.
        _write_new(path, lines)
        return count
    if _check_target(path):
        with path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                prefix = b"\n"
    with path.open("ab") as fh:
        fh.write(prefix + lines)
        fh.flush()
        os.fsync(fh.fileno())
    return count


def write_jsonl(path: Path, records: Iterable[Any]) -> int:
    """Write records as a new JSONL file (replacing it atomically); returns how many."""
    _check_target(path)
    lines = b"".join(json_line(r) for r in records)
    _write_new(path, lines)
    return lines.count(b"\n")


def _write_new(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
