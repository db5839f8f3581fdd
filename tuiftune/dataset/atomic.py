"""Atomic file writes that leave nothing behind, and checks on the files we are given.

A temp file is named ``.NAME.<pid>.<random>.tmp`` beside its target: a write killed with
``kill -9`` leaves one, and the next write to the same target removes it once its process is
gone. A symlinked target is written through: the file it points at is replaced, the link stays.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

STALE_AFTER = 3600.0  # seconds before a temp file whose writer cannot be told is removed


class NotRegularFileError(OSError):
    """A FIFO, socket or device where a data file was expected (reading it could block)."""


def check_regular(path: Path) -> os.stat_result:
    """Stat a file to read; refuse directories and anything that is not a regular file."""
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(path))
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "not a regular file"
        raise NotRegularFileError(errno.EINVAL, f"{kind}; give a regular file", str(path))
    return st


def write_target(target: Path) -> Path:
    """Where a write to ``target`` lands: the file a symlink points at, else the path itself."""
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale(target: Path) -> int:
    """Remove temp files a killed write to ``target`` left behind; returns how many."""
    removed = 0
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            middle = name[len(prefix) : -len(".tmp")].split(".")
            pid = int(middle[0]) if len(middle) == 2 and middle[0].isdigit() else None
            try:
                if pid is not None:
                    stale = pid != os.getpid() and not _pid_alive(pid)
                else:  # an older naming: only when nobody could still be writing it
                    stale = time.time() - entry.stat().st_mtime > STALE_AFTER
                if stale:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue
    return removed


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be fsynced
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


@contextlib.contextmanager
def atomic_writer(
    target: Path, *, overwrite: bool = False, mode: int | None = None
) -> Iterator[IO[bytes]]:
    """Write a file atomically: a temp file beside it, fsynced, then renamed into place.

    Readers never see a half-written file, and a failure leaves nothing behind. ``mode``
    defaults to the replaced file's permissions (a new file gets the umask's).
    """
    target = write_target(target)
    if not target.parent.is_dir():  # named here, not as the hidden temp file's path
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(target.parent))
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None:
        if stat.S_ISDIR(existing.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(target))
        if not stat.S_ISREG(existing.st_mode):  # never rename over a device or a FIFO
            raise NotRegularFileError(errno.EINVAL, "not a regular file", str(target))
        if not overwrite:
            raise FileExistsError(f"{target} already exists")
    if mode is None and existing is not None:
        mode = existing.st_mode & 0o7777
    clean_stale(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    # os.open applies the umask like any new file (mkstemp's 0600 would need a umask dance
    # that is not thread-safe).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def atomic_copy(source: Path, target: Path) -> None:
    """Copy a file (a backup) atomically, keeping its permissions and times."""
    with open(source, "rb") as src, atomic_writer(target, overwrite=True) as out:
        shutil.copyfileobj(src, out, 4 * 1024 * 1024)
    shutil.copystat(source, write_target(target))


def describe(exc: OSError) -> str:
    """One line for an OSError: the file it concerns and the reason."""
    if exc.strerror is None:  # raised with a message of our own
        text = str(exc.args[0]) if exc.args else type(exc).__name__
        return f"{text} (overwrite it with --force)" if isinstance(exc, FileExistsError) else text
    return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
