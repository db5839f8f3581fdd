"""Opening a file in the editor: its head first (a huge file paints before it is all read)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tuiftune.dataset.atomic import check_regular

HEAD_BYTES = 256 * 1024  # read first, to paint a huge file before it has all been read


def _first_bytes(path: Path, size: int) -> bytes:
    check_regular(path)  # opening a FIFO would block for ever
    with path.open("rb") as fh:
        return fh.read(size)


async def read_head(path: Path, size: int) -> bytes | None:
    """The complete lines within the first ``size`` bytes (None when that is the whole file)."""
    # One trip to a thread, not aiofiles' four (check, open, read, close): each waited for the
    # GIL behind the start-up's first frame.
    head = await asyncio.to_thread(_first_bytes, path, size + 1)
    if len(head) <= size:
        return None  # small file: the full load is as quick
    cut = head.rfind(b"\n", 0, size)
    return head[: cut + 1] if cut >= 0 else None


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (False when either is missing)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
