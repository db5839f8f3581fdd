"""Loading and saving keep every byte: BOM, CRLF, no final newline, invalid UTF-8, huge lines."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.dataset.helpers import chat, jsonl, many_chats
from tuiftune.dataset import FileChangedError, load_bytes, load_document, save_document
from tuiftune.dataset.document import BOM
from tuiftune.dataset.io import index_lines


async def roundtrip(tmp_path: Path, data: bytes) -> bytes:
    path = tmp_path / "data.jsonl"
    path.write_bytes(data)
    doc = await load_document(path)
    await save_document(doc)
    return path.read_bytes()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n",
        b'{"a": 1}',
        b'{"a": 1}\n{"b": 2}',
        b'{"a": 1}\r\n{"b": 2}\r\n',
        b'{"a": 1}\r\n{"b": 2}\n{"c": 3}',
        BOM + b'{"a": 1}\n{"b": 2}\n',
        BOM + b'{"a": 1}\r\n',
        b'{"a": 1}\n\n\n{"b": 2}\n',
        b'{"bad": "\xff\xfe"}\n{"ok": 1}\n',
        b"not json at all\r\n{]\n",
        b'{"a": "x\r"}\n',
        b"\r\n\r\n",
    ],
)
async def test_open_then_save_is_byte_identical(tmp_path: Path, data: bytes) -> None:
    assert await roundtrip(tmp_path, data) == data


async def test_real_crlf_and_no_final_newline_files_roundtrip(
    tmp_path: Path, shared_dataset: object
) -> None:
    for name in (
        "autograding-duplicates.jsonl",  # CRLF
        "web3-sharegpt-function-call.jsonl",  # no final newline
        "salescall-dpo-bom.jsonl",  # BOM
    ):
        original = shared_dataset(name).read_bytes()  # type: ignore[operator]
        assert await roundtrip(tmp_path, original) == original


def test_bom_is_kept_apart_from_line_one() -> None:
    doc = load_bytes(BOM + jsonl(chat()))
    assert doc.bom
    assert doc.raw_at(0).startswith(b"{")


def test_lines_and_line_endings_are_indexed() -> None:
    spans, eols = index_lines(b"a\r\nb\nc")
    assert list(eols) == [2, 1, 0]
    assert list(spans) == [0, 1, 3, 4, 5, 6]


async def test_multi_megabyte_line_loads_and_saves(tmp_path: Path) -> None:
    big = chat(answer="x" * 6_000_000)
    data = jsonl(chat(), big, chat("Bye"))
    path = tmp_path / "big.jsonl"
    path.write_bytes(data)
    seen: list[tuple[int, int]] = []
    doc = await load_document(path, progress=lambda done, total: seen.append((done, total)))
    assert len(doc) == 3
    assert len(doc.raw_at(1)) > 6_000_000
    assert seen[-1] == (len(data), len(data))
    await save_document(doc)
    assert path.read_bytes() == data


async def test_save_refuses_when_file_changed_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(jsonl(*many_chats(3)))
    doc = await load_document(path)
    doc.replace(0, b'{"messages": []}')
    path.write_bytes(jsonl(*many_chats(4)))  # someone else saved meanwhile
    os.utime(path, ns=(1, 1))
    with pytest.raises(FileChangedError):
        await save_document(doc)
    assert len(path.read_bytes().splitlines()) == 4  # their edit survived
    await save_document(doc, force=True)
    assert path.read_bytes().splitlines()[0] == b'{"messages": []}'


async def test_save_keeps_permissions_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(jsonl(*many_chats(2)))
    path.chmod(0o640)
    doc = await load_document(path)
    doc.delete(0)
    await save_document(doc)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl"]
    assert not doc.dirty


async def test_save_as_writes_new_file_and_leaves_source(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    data = jsonl(*many_chats(2))
    src.write_bytes(data)
    doc = await load_document(src)
    doc.delete(1)
    out = tmp_path / "b.jsonl"
    await save_document(doc, out, adopt=False)
    assert src.read_bytes() == data
    assert out.read_bytes() == data.splitlines(keepends=True)[0]
    assert doc.path == src


async def test_unreadable_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        await load_document(tmp_path / "missing.jsonl")


def test_moved_last_line_without_newline_gets_one() -> None:
    doc = load_bytes(b'{"a": 1}\r\n{"b": 2}')
    doc.move(1, 0)
    assert b"".join(doc.iter_bytes()) == b'{"b": 2}\r\n{"a": 1}\r\n'


def test_records_must_be_single_lines() -> None:
    doc = load_bytes(b'{"a": 1}\n')
    with pytest.raises(ValueError, match="single line"):
        doc.replace(0, b'{"a":\n 1}')


async def test_undo_to_the_saved_content_is_clean_and_past_it_is_modified(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(jsonl(*many_chats(3)))
    doc = await load_document(path)
    doc.delete(0)
    await save_document(doc)
    assert not doc.dirty
    doc.delete(0)
    assert doc.dirty
    doc.undo()
    assert not doc.dirty  # back to what the file holds now
    doc.undo()
    assert doc.dirty  # the loaded content, no longer the file's
    doc.redo()
    assert not doc.dirty
    doc.undo()
    doc.replace(0, b"{}")  # the saved step can no longer be redone
    assert doc.dirty
    doc.undo()
    assert doc.dirty and len(doc) == 3
