"""A fresh document hashes as its file (the journal's C-speed path), and stops after edits."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from tuiftune.dataset import journal
from tuiftune.dataset.io import load_bytes

CASES = [b"", b"a\n", b"a", b"\xef\xbb\xbfa\r\nb\n", b"a\r\nb\r\nc", b"x\r", b"\n\n\r\n"]


@pytest.mark.parametrize("data", CASES)
def test_the_journal_header_of_a_fresh_file_is_that_of_its_saved_bytes(data: bytes) -> None:
    doc = load_bytes(data, "/tmp/never-written.jsonl")
    assert doc.pristine_bytes() == data
    header = asyncio.run(journal._header(doc))
    saved = b"".join(doc.iter_bytes())
    assert (header["size"], header["sha256"]) == (len(saved), hashlib.sha256(saved).hexdigest())
    assert header["eolless"] == []


def test_any_edit_leaves_the_fast_path() -> None:
    for edit in ("replace", "insert", "delete", "move", "bom"):
        doc = load_bytes(b'{"a": 1}\n{"b": 2}\n', "/tmp/never-written.jsonl")
        if edit == "replace":
            doc.replace(0, b'{"a": 2}')
        elif edit == "insert":
            doc.insert(1, b"{}")
        elif edit == "delete":
            doc.delete(0)
        elif edit == "move":
            doc.move(0, 1)
        else:
            doc.set_bom(True)
        assert doc.pristine_bytes() is None
        doc.undo()
        saved = b"".join(doc.iter_bytes())
        assert saved == b'{"a": 1}\n{"b": 2}\n' and not doc.dirty
        # Undone, the content is the file's again; the fast path may serve it only as exactly
        # those bytes (a BOM added and removed leaves nothing changed behind).
        fast = doc.pristine_bytes()
        assert fast is None or bytes(fast) == saved
        assert (fast is not None) == (edit == "bom")
        header = asyncio.run(journal._header(doc))
        assert header["sha256"] == hashlib.sha256(saved).hexdigest()
