"""The document model: edits, transactions, undo and redo."""

from __future__ import annotations

from collections.abc import Callable

from tuiftune.dataset import Document, load_bytes


def content(doc: Document) -> list[bytes]:
    return [doc.raw_at(i) for i in range(len(doc))]


def test_edits_undo_and_redo_restore_every_state() -> None:
    doc = load_bytes(b"a\nb\nc\n")
    states = [content(doc)]
    doc.replace(1, b"B")
    states.append(content(doc))
    doc.insert(0, b"z")
    states.append(content(doc))
    doc.move(0, 3)
    states.append(content(doc))
    doc.delete(2)
    states.append(content(doc))
    assert states[-1] == [b"a", b"B", b"z"]
    for expected in reversed(states[:-1]):
        assert doc.undo() is not None
        assert content(doc) == expected
    assert doc.undo() is None
    for expected in states[1:]:
        assert doc.redo() is not None
        assert content(doc) == expected


def test_a_transaction_is_one_undo_step_and_notifies_once() -> None:
    doc = load_bytes(b"a\nb\nc\n")
    calls: list[tuple[list[int], list[int]]] = []
    doc.subscribe(lambda removed, added: calls.append((removed, added)))
    with doc.transaction("fix all"):
        doc.replace(0, b"A")
        doc.replace(2, b"C")
        doc.delete(1)
    assert len(calls) == 1
    assert content(doc) == [b"A", b"C"]
    assert doc.undo() == "fix all"
    assert content(doc) == [b"a", b"b", b"c"]


def test_new_edit_clears_redo() -> None:
    doc = load_bytes(b"a\n")
    doc.replace(0, b"b")
    doc.undo()
    doc.replace(0, b"c")
    assert not doc.can_redo


def test_bom_removal_is_undoable() -> None:
    doc = load_bytes(b"\xef\xbb\xbfa\n")
    doc.set_bom(False)
    assert b"".join(doc.iter_bytes()) == b"a\n"
    doc.undo()
    assert b"".join(doc.iter_bytes()) == b"\xef\xbb\xbfa\n"


def test_op_listeners_see_every_positional_op_unbatched() -> None:
    from tuiftune.dataset.edit_ops import Op

    doc = load_bytes(b"a\nb\n")
    ops: list[Op] = []
    unsubscribe = doc.subscribe_ops(ops.append)
    with doc.transaction("two"):
        doc.insert(2, b"c")
        doc.move(0, 2)
    assert [(op.kind, op.pos, op.dest) for op in ops] == [("insert", 2, -1), ("move", 0, 2)]
    doc.undo()  # undo arrives as the inverse ops, last first
    assert [(op.kind, op.pos, op.dest) for op in ops[2:]] == [("move", 2, 0), ("delete", 2, -1)]
    unsubscribe()
    doc.redo()
    assert len(ops) == 4


def test_an_explicit_line_ending_restores_a_record_exactly() -> None:
    doc = load_bytes(b"a\r\r\nb")
    raw = doc.raw_at(0)
    assert raw == b"a\r"
    doc.delete(0)
    doc.insert(0, raw, eol=b"\r\n")  # a trailing CR is fine before a CRLF ending
    doc.replace(1, b"B")  # keeps the old ending: none, the file still ends without one
    assert b"".join(doc.iter_bytes()) == b"a\r\r\nB"
    doc.replace(1, b"B2", eol=b"\n")
    doc.insert(2, b"c")  # the dominant ending: CRLF
    assert b"".join(doc.iter_bytes()) == b"a\r\r\nB2\nc\r\n"
    # Without an explicit ending a trailing CR is refused, as before.
    edits: tuple[Callable[[], object], ...] = (
        lambda: doc.insert(0, b"x\r"),
        lambda: doc.replace(0, b"x\r"),
    )
    for edit in edits:
        try:
            edit()
        except ValueError:
            continue
        raise AssertionError("a trailing CR was accepted")
    assert b"".join(doc.iter_bytes()) == b"a\r\r\nB2\nc\r\n"


def test_undoing_back_to_the_loaded_content_makes_the_document_clean() -> None:
    doc = load_bytes(b"a\nb\n")
    assert not doc.dirty
    with doc.transaction("fix every record"):
        doc.replace(0, b"A")
        assert doc.dirty  # already inside the open transaction
        doc.replace(1, b"B")
    assert doc.dirty
    doc.undo()
    assert not doc.dirty and content(doc) == [b"a", b"b"]
    doc.redo()
    assert doc.dirty
    doc.undo()
    doc.delete(0)  # a new edit from the clean state
    assert doc.dirty
    doc.undo()
    assert not doc.dirty


def test_after_a_save_the_saved_step_is_the_clean_one() -> None:
    doc = load_bytes(b"a\n")
    doc.replace(0, b"A")
    doc.mark_saved()  # the file now holds "A"
    assert not doc.dirty
    doc.undo()  # back to "a": no longer what the file holds
    assert doc.dirty
    doc.redo()
    assert not doc.dirty
    doc.undo()
    doc.replace(0, b"B")  # drops the saved step from the redo stack: it cannot come back
    assert doc.dirty
    doc.undo()
    assert doc.dirty
