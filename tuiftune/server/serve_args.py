"""Checked values for ``tuiftune serve`` flags: argparse turns each refusal into one line and
exit code 2, before anything starts."""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def _integer(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def port(text: str) -> int:
    """A TCP port: 1-65535, or 0 for any free port."""
    value = _integer(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"must be between 1 and 65535 (0: any free port), not {value}"
        )
    return value


def positive_int(text: str) -> int:
    """An integer > 0 (a rate limit of 0 would refuse every request)."""
    value = _integer(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (milliseconds of delay)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def finite_non_negative(text: str) -> float:
    """A finite number >= 0: ``nan`` and ``inf`` would leave jobs validating forever."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value:g}")
    return value


def byte_size(text: str) -> int:
    """A size in bytes, optionally with a K, M or G suffix (powers of 1024): ``512M``."""
    stripped = text.strip().upper().removesuffix("B")
    unit = stripped[-1:] if stripped[-1:] in _UNITS else ""
    number = stripped[: len(stripped) - len(unit)]
    if not number.isdigit() or len(number) > 18:
        raise argparse.ArgumentTypeError(f"expected a size such as 1048576 or 512M, got {text!r}")
    value = int(number) * _UNITS[unit]
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1 byte")
    return value


def state_dir_problem(path: Path) -> str | None:
    """Why ``path`` cannot hold the server's state (one line), or None when it can.

    Checked by creating the folder and a file in it, so a read-only or full file system, a file
    in the way or a missing permission is found before the server claims to be serving.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except (FileExistsError, NotADirectoryError):  # mkdir's own words hide the file in the way
        in_the_way = next((p for p in (path, *path.parents) if p.is_file()), path)
        return f"cannot keep state in {path}: {in_the_way} is a file, not a folder"
    except OSError as exc:
        return f"cannot keep state in {path}: {exc.strerror or exc}"
    return None
