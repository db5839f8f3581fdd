"""Uploaded bytes kept in files rather than in memory: a spooled upload copied in chunks."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


def size_of(source: BinaryIO) -> int:
    """The number of bytes in a seekable file object; leaves it at the start."""
    size = source.seek(0, os.SEEK_END)
    source.seek(0)
    return size


def copy_atomic(source: BinaryIO, path: Path) -> None:
    """Copy ``source`` from its start to ``path`` in chunks (blocking): the old file or the new
    one is there after a crash, never part of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            source.seek(0)
            shutil.copyfileobj(source, handle, CHUNK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
