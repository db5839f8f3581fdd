"""``tuiftune lint``'s text report reads right at the edges: an empty file, one example."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuiftune.cli import main

ONE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n'


def lint_text(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["lint", str(path)]) == 1
    return capsys.readouterr().out


def test_an_empty_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, data in (("empty.jsonl", b""), ("blank.jsonl", b"\n\n  \n")):
        path = tmp_path / name
        path.write_bytes(data)
        out = lint_text(path, capsys)
        assert "()" not in out, out
        assert "chat (supervised)" not in out.splitlines()[0], out  # no format to name
        assert "0 examples" in out.splitlines()[0]


def test_one_example_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(ONE)
    out = lint_text(path, capsys)
    assert "1 examples" not in out, out
    assert "1 example;" in out and ", 1 example" in out.splitlines()[0]
