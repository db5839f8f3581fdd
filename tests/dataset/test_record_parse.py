"""One line's parse errors read as sentences and name what is wrong."""

from __future__ import annotations

import pytest

from tuiftune.dataset.record import parse


def message(raw: bytes) -> tuple[str, str]:
    value, problem, _ = parse(raw)
    assert value is None and problem is not None
    return problem.rule, problem.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a": "x\x00y"}', "invalid JSON at column 9: a raw control character U+0000 (NUL)"),
        (b'{"a": "\x1b[2J"}', "invalid JSON at column 8: a raw control character U+001B (ESC)"),
        (b'{"a": "tab\there"}', "invalid JSON at column 11: a raw control character U+0009 (TAB)"),
    ],
)
def test_a_raw_control_character_is_named(raw: bytes, expected: str) -> None:
    rule, text = message(raw)
    assert rule == "json.invalid"
    assert text.startswith(expected)
    assert "\\u00" in text  # says how to write it
    assert not any(ord(c) < 32 for c in text)


def test_no_message_ends_with_a_dangling_at() -> None:
    for raw in (b'{"messages": [{"role": "us', b'{"a": "\x01"}', b'{"a": 1'):
        _, text = message(raw)
        assert not text.endswith((" at", " starting")), text
    assert message(b'{"a": "open')[1] == "invalid JSON at column 7: Unterminated string"


def test_a_line_of_nul_bytes_is_not_called_utf16() -> None:
    rule, text = message(b"\x00\x00\x00")
    assert rule == "json.invalid"
    assert "UTF-16" not in text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_a_bom_is_still_named(codec: str) -> None:
    line = '{"messages": [{"role": "user", "content": "hi"}]}'.encode(codec)
    assert message(line)[0] == "encoding.utf16"
    # the second line of a UTF-16LE file split at 0x0a starts with the newline's 0x00
    assert message(b"\x00" + line[:-1])[0] == "encoding.utf16"
