"""Property: random edits, then save and reload, give back the document; untouched lines keep
their bytes."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.dataset.helpers import apply_edit
from tuiftune.dataset import load_document, save_document
from tuiftune.dataset.document import BOM

line_bytes = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"").rstrip(b"\r"))
eols = st.sampled_from([b"\n", b"\r\n"])


@st.composite
def files(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.tuples(line_bytes, eols), max_size=12))
    data = b"".join(raw + eol for raw, eol in lines)
    cut: bool = draw(st.booleans())
    if lines and cut:
        data = data[: -len(lines[-1][1])]  # no final newline
    bom: bool = draw(st.booleans())
    return (BOM if bom else b"") + data


edit = st.tuples(
    st.sampled_from(["replace", "insert", "delete", "move", "undo"]),
    st.integers(0, 50),
    st.integers(0, 50),
    line_bytes,
)


@settings(max_examples=80, deadline=None)
@given(files(), st.lists(edit, max_size=15))
def test_edit_save_reload(data: bytes, edits: list[tuple[str, int, int, bytes]]) -> None:
    asyncio.run(_check(data, edits))


async def _check(data: bytes, edits: list[tuple[str, int, int, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.jsonl"
        path.write_bytes(data)
        doc = await load_document(path)
        original = {doc.id_at(i): doc.raw_at(i) for i in range(len(doc))}
        for kind, a, b, raw in edits:
            apply_edit(doc, kind, a, b, raw)
        expected = [doc.raw_at(i) for i in range(len(doc))]
        untouched = [doc.id_at(i) in original for i in range(len(doc))]
        await save_document(doc)
        saved = path.read_bytes()
        reloaded = await load_document(path)
        got = [reloaded.raw_at(i) for i in range(len(reloaded))]
        # An empty last line with no newline is not a line of its own once reloaded.
        if expected and expected[-1] == b"" and len(got) == len(expected) - 1:
            expected = expected[:-1]
        assert got == expected
        assert reloaded.bom == doc.bom
        if not edits:
            assert saved == data
        for i, same in enumerate(untouched[: len(got)]):
            if same:
                assert got[i] == original[doc.id_at(i)]


def test_a_first_line_starting_with_bom_bytes_survives_save_and_reload(tmp_path: Path) -> None:
    asyncio.run(_check(b'{"a": 1}\n', [("insert", 0, 0, BOM + b'{"b": 2}')]))
    # The explicit case hypothesis found: the inserted line keeps its leading BOM bytes.
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"a": 1}\n')

    async def run() -> None:
        doc = await load_document(path)
        doc.insert(0, BOM + b"x")
        await save_document(doc)
        reloaded = await load_document(path)
        assert reloaded.raw_at(0) == BOM + b"x"
        assert reloaded.bom and path.read_bytes().startswith(BOM + BOM)

    asyncio.run(run())
