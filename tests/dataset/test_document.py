"""The document model: edits, transactions, undo and redo."""

from __future__ import annotations

from tuiftune.dataset import load_bytes


def content(doc: object) -> list[bytes]:
    return [doc.raw_at(i) for i in range(len(doc))]  # type: ignore[attr-defined]


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
