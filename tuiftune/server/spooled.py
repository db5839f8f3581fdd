"""Uploaded bytes kept in files rather than in memory: a spooled upload copied in chunks."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

CHUNK = 1024 * 1024


def size_of(source: IO[bytes]) -> int:
    """The number of bytes in a seekable file object; leaves it at the start."""
    size = source.seek(0, os.SEEK_END)
    source.seek(0)
    return size


def copy_atomic(source: IO[bytes], path: Path) -> None:
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


def join(opens: Sequence[Callable[[], IO[bytes]]], folder: Path | None) -> tuple[IO[bytes], str]:
    """The sources one after another in a temporary file (in memory up to 1 MB, then in
    ``folder``), and their md5; blocking. The caller closes the file."""
    where = None if folder is None else str(folder)
    out = tempfile.SpooledTemporaryFile(max_size=CHUNK, dir=where)  # noqa: SIM115 (returned)
    digest = hashlib.md5()
    try:
        for open_one in opens:
            with open_one() as source:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out, digest.hexdigest()
