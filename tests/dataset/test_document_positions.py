"""Document.position and contains agree with the record order after any edits (no whole-file map
is built while records are only replaced)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.dataset.helpers import apply_edit
from tuiftune.dataset import load_bytes

ops = st.lists(
    st.tuples(
        st.sampled_from(
            ["replace", "replace", "replace", "insert", "delete", "move", "undo", "redo"]
        ),
        st.integers(0, 40),
        st.integers(0, 40),
    ),
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 12), ops)
def test_positions_follow_every_edit(lines: int, edits: list[tuple[str, int, int]]) -> None:
    doc = load_bytes(b"".join(b'{"n": %d}\n' % i for i in range(lines)))
    for i, (kind, a, b) in enumerate(edits):
        apply_edit(doc, kind, a, b, b'{"edit": %d}' % i)
        order = list(doc.ids())
        for pos, rid in enumerate(order):
            assert doc.position(rid) == pos and doc.contains(rid)
        gone = set(range(doc.next_id)) - set(order)
        assert not any(doc.contains(rid) for rid in gone)


def test_replacing_records_builds_no_whole_file_map() -> None:
    doc = load_bytes(b"".join(b'{"n": %d}\n' % i for i in range(1000)))
    new = doc.replace(500, b'{"n": "x"}')
    doc.undo()
    doc.redo()
    assert doc.position(new) == 500 and doc.position(3) == 3 and not doc.contains(500)
    assert doc._pos is None and len(doc._edited) == 1
