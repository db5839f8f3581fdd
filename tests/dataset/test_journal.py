"""The crash journal: edits journaled as they happen are replayed onto a fresh load."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES
from tests.dataset.helpers import apply_edit
from tuiftune.dataset import load_document, save_document
from tuiftune.dataset.document import BOM, Document
from tuiftune.dataset.journal import Journal, JournalError, journal_path


def content(doc: Document) -> bytes:
    return b"".join(doc.iter_bytes())


async def start(path: Path, data: bytes) -> tuple[Document, Journal]:
    path.write_bytes(data)
    doc = await load_document(path)
    return doc, await Journal.start(doc, fsync=False, delay=0)


async def recovered(path: Path) -> tuple[Document, int]:
    fresh = await load_document(path)
    return fresh, await Journal.recover(fresh)


async def test_recover_replays_edits_as_one_undoable_step(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    data = b'{"a": 1}\n{"b": 2}\r\n{"c": 3}'
    doc, journal = await start(path, data)
    assert journal_path(path) == tmp_path / ".data.jsonl.tuiftune-journal"
    doc.replace(0, b'{"a": 10}')
    doc.insert(3, b'{"d": 4}')
    doc.move(0, 2)
    doc.delete(1)
    doc.undo()
    doc.set_bom(True)
    await journal.flush()
    info = await Journal.find(path)
    assert info is not None
    assert (info.edits, info.matches, info.torn, info.reason) == (6, True, False, None)
    fresh, n = await recovered(path)
    assert n == 6
    assert content(fresh) == content(doc)
    assert path.read_bytes() == data  # recovery never writes the file itself
    assert fresh.undo() == "recover unsaved edits"
    assert content(fresh) == data


async def test_invalid_utf8_and_crlf_records_are_restored_exactly(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    doc, journal = await start(path, b"a\r\nb\xff\r\nc\r\r\nlast\r")
    doc.replace(1, b"\xfe\xff broken")
    doc.delete(2)
    doc.delete(2)
    doc.undo()
    doc.undo()
    doc.insert(0, b"new")
    await journal.flush()
    fresh, _ = await recovered(path)
    assert content(fresh) == content(doc)
    assert content(fresh).endswith(b"c\r\r\nlast\r")


async def test_line_endings_survive_replays_that_shift_the_dominant_ending(tmp_path: Path) -> None:
    # Undo restores an old CRLF record; a replay makes a new one, so the replayed document
    # counts more CRLF versions than the editor did, while "z" (no ending, no longer last) is
    # saved with the dominant ending.
    path = tmp_path / "data.jsonl"
    doc, journal = await start(path, b"x\r\ny\nz")
    doc.insert(3, b"w")
    for _ in range(3):
        doc.delete(0)
        doc.undo()
    await journal.flush()
    assert content(doc) == b"x\r\ny\nz\nw\n"
    fresh, _ = await recovered(path)
    assert content(fresh) == content(doc)


async def test_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    doc, journal = await start(path, b"a\nb\n")
    doc.replace(0, b"A")
    await journal.flush()
    expected = content(doc)
    with journal_path(path).open("ab") as fh:
        fh.write(b'{"op": "insert", "pos": 0, "te')  # the crash came mid-write
    info = await Journal.find(path)
    assert info is not None and info.torn and info.edits == 1 and info.matches
    fresh, n = await recovered(path)
    assert n == 1
    assert content(fresh) == expected
    # Recovery rewrote the journal without the torn tail: journaling resumes after it.
    resumed = await Journal.start(fresh, fsync=False, delay=0)
    fresh.insert(2, b"c")
    await resumed.flush()
    again, _ = await recovered(path)
    assert content(again) == b"A\nb\nc\n"


async def test_journal_for_a_changed_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    doc, journal = await start(path, b"a\nb\n")
    doc.delete(0)
    await journal.flush()
    path.write_bytes(b"a\nB\n")  # same size, other bytes
    info = await Journal.find(path)
    assert info is not None and not info.matches and info.edits == 1
    assert info.reason is not None and "changed on disk" in info.reason
    fresh = await load_document(path)
    with pytest.raises(JournalError, match="not the file"):
        await Journal.recover(fresh)
    assert content(fresh) == b"a\nB\n"
    await info.discard()
    assert await Journal.find(path) is None


async def test_damaged_journal_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    doc, journal = await start(path, b"a\nb\n")
    doc.replace(0, b"A")
    await journal.flush()
    with journal_path(path).open("ab") as fh:
        fh.write(json.dumps({"op": "delete", "pos": 7}).encode() + b"\n")
    fresh = await load_document(path)
    with pytest.raises(JournalError, match="damaged"):
        await Journal.recover(fresh)
    assert content(fresh) == b"a\nb\n" and not fresh.can_undo
    journal_path(path).write_bytes(b"garbage\n")
    info = await Journal.find(path)
    assert info is not None and not info.matches and info.edits == 0


async def test_recover_needs_a_fresh_document_and_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"a\n")
    doc = await load_document(path)
    with pytest.raises(JournalError, match="no journal"):
        await Journal.recover(doc)
    doc.replace(0, b"b")
    with pytest.raises(JournalError, match="freshly loaded"):
        await Journal.recover(doc)
    with pytest.raises(JournalError, match="no journal"):  # edited, and nothing to resume
        await Journal.start(doc)
    with pytest.raises(JournalError, match="no file"):
        await Journal.start(Document())


async def test_save_restarts_the_journal_and_close_cleans_up(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    doc, journal = await start(path, b"a\nb")  # no final newline
    doc.insert(2, b"c")  # "b" is no longer last but still has no line ending of its own
    await save_document(doc)
    await journal.saved()
    info = await Journal.find(path)
    assert info is not None and info.matches and info.edits == 0
    doc.delete(2)  # "b" is last again: saved without a newline by the editor
    await journal.flush()
    fresh, n = await recovered(path)
    assert n == 1
    assert content(fresh) == content(doc) == b"a\nb"
    await journal.close()  # unsaved edits: the journal stays
    assert journal_path(path).exists()
    await save_document(doc)
    journal = await Journal.start(doc)
    await journal.close()  # nothing unsaved: deleted
    assert not journal_path(path).exists()
    doc.replace(0, b"x")
    assert not journal_path(path).exists()  # no longer listening


async def test_background_flush_writes_soon_after_an_edit(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes((SAMPLES / "ticket-triage-chat.jsonl").read_bytes())
    doc = await load_document(path)
    journal = await Journal.start(doc, delay=0.01)
    with doc.transaction("fix"):
        for pos in range(0, 20, 2):
            doc.replace(pos, doc.raw_at(pos).replace(b"billing", b"invoices"))
    edits = 0
    for _ in range(200):  # no flush() call: the journal writes by itself, soon
        info = await Journal.find(path)
        edits = info.edits if info else 0
        if edits == 10:
            break
        await asyncio.sleep(0.01)
    assert edits == 10 and journal.error is None
    fresh, _ = await recovered(path)
    assert content(fresh) == content(doc)
    await journal.discard()
    assert await Journal.find(path) is None


# -- property: any edit history is recovered byte for byte ----------------------------------

raw_line = st.binary(max_size=12).map(lambda b: b.replace(b"\n", b""))
new_line = raw_line.map(lambda b: b.rstrip(b"\r"))


@st.composite
def files(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.tuples(raw_line, st.sampled_from([b"\n", b"\r\n"])), max_size=8))
    data = b"".join(raw + eol for raw, eol in lines)
    cut: bool = draw(st.booleans())
    if lines and cut:
        data = data[: -len(lines[-1][1])]  # no final newline
    bom: bool = draw(st.booleans())
    return (BOM if bom else b"") + data


edit = st.tuples(
    st.sampled_from(
        ["replace", "insert", "delete", "move", "undo", "undo", "redo", "bom", "txn", "save"]
    ),
    st.integers(0, 50),
    st.integers(0, 50),
    new_line,
)


def apply(doc: Document, kind: str, a: int, b: int, raw: bytes) -> None:
    if kind in ("replace", "insert", "delete", "move", "undo", "redo"):
        apply_edit(doc, kind, a, b, raw)
    elif kind == "bom":
        doc.set_bom(not doc.bom)
    elif kind == "txn":
        n = len(doc)
        with doc.transaction("two edits"):
            doc.insert(b % (n + 1), raw)
            doc.move(0, a % (n + 1))


@settings(max_examples=120, deadline=None)
@given(files(), st.lists(edit, max_size=14), st.lists(edit, max_size=5))
def test_journaled_edits_recover_to_the_same_bytes(
    data: bytes, edits: list[tuple[str, int, int, bytes]], more: list[tuple[str, int, int, bytes]]
) -> None:
    asyncio.run(_check(data, edits, more))


async def _check(
    data: bytes, edits: list[tuple[str, int, int, bytes]], more: list[tuple[str, int, int, bytes]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.jsonl"
        doc, journal = await start(path, data)
        for kind, a, b, raw in edits:
            if kind == "save":
                await save_document(doc)
                await journal.saved()
            else:
                apply(doc, kind, a, b, raw)
        await journal.flush()
        # The crash: the editor is gone; a new one loads the file and recovers.
        on_disk = path.read_bytes()
        fresh, _ = await recovered(path)
        assert content(fresh) == content(doc)
        # Journaling resumes on the recovered document, and a second crash recovers too.
        resumed = await Journal.start(fresh, fsync=False, delay=0)
        for kind, a, b, raw in more:
            if kind != "save":
                apply(fresh, kind, a, b, raw)
        await resumed.flush()
        again, _ = await recovered(path)
        assert content(again) == content(fresh)
        assert path.read_bytes() == on_disk
