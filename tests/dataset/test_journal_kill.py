"""An edit is in the journal the moment it is made: kill -9 right after it loses nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.dataset.helpers import jsonl, many_chats
from tuiftune.dataset import load_document
from tuiftune.dataset.journal import Journal

CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from tuiftune.dataset import load_document
    from tuiftune.dataset.journal import Journal

    async def main() -> None:
        doc = await load_document(sys.argv[1])
        # A long fsync delay: the edit must not wait for the throttled flush to be kept.
        await Journal.start(doc, delay=60.0)
        doc.replace(1, b'{"edited": true}')
        doc.delete(0)
        os.kill(os.getpid(), signal.SIGKILL)  # no flush, no close, no finally

    asyncio.run(main())
    """
)


async def test_edits_made_just_before_a_kill_are_recovered(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(jsonl(*many_chats(12)))
    child = subprocess.run([sys.executable, "-c", CHILD, str(path)], timeout=60, check=False)
    assert child.returncode == -9
    info = await Journal.find(path)
    assert info is not None and info.matches and info.edits == 2
    doc = await load_document(path)
    assert await Journal.recover(doc) == 2
    assert len(doc) == 11 and doc.raw_at(0) == b'{"edited": true}'
