"""A generator of hostile dataset files: each one broke a command or the editor once.

``write_hostile(folder)`` writes them all and returns ``{name: path}``; FIFOs and folders
are included, so a reader that blocks or tracebacks on any of them is caught by one loop.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # sets the clipboard
OSC0 = "\x1b]0;PWNED\x07"  # sets the window title
BIDI = "\u202eevil\u2066x\u2069\u200f"


def _chat(user: str = "Hi", answer: str = "Hello!") -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    }


def _lines(*records: Any) -> bytes:
    out = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in records]
    return b"\n".join(out) + b"\n"


def _valid(n: int = 10) -> list[Any]:
    return [_chat(f"question {i}?", f"answer {i}.") for i in range(n)]


def hostile_contents() -> dict[str, bytes]:
    """Name -> bytes of every hostile regular file (ten valid records beside the bad one)."""
    chat = json.dumps(_chat())[1:-1]
    legacy = [{"prompt": f"p{i} ->", "completion": f" c{i}\n"} for i in range(10)]
    return {
        "big_int.jsonl": _lines(f'{{{chat}, "n": {"9" * 5000}}}'.encode(), *_valid()),
        "lone_surrogate.jsonl": _lines(
            b'{"messages": [{"role": "user", "content": "\\ud800"}, '
            b'{"role": "assistant", "content": "x"}]}',
            *_valid(),
        ),
        "escape_key.jsonl": _lines({**_chat(), OSC52: 1, OSC0: 2}, *_valid()),
        "escape_content.jsonl": _lines(_chat("\x1b[2J" + OSC0, OSC52 + "\x9b31m"), *_valid()),
        "bidi.jsonl": _lines(_chat(BIDI, BIDI), {**_chat(), BIDI: 1}, *_valid()),
        "markup.jsonl": _lines(
            _chat("[/]", "[link=http://x]y[/link] [@click=app.quit]"), *_valid()
        ),
        "duplicate_keys.jsonl": _lines(f'{{{chat}, "messages": []}}'.encode(), *_valid()),
        "utf16le.jsonl": _lines(*_valid()).decode().encode("utf-16"),
        "utf16be.jsonl": b"\xfe\xff" + _lines(*_valid()).decode().encode("utf-16-be"),
        "invalid_utf8.jsonl": _lines(b'{"prompt": "\xff\xfe", "completion": " x"}', *legacy),
        "nested_deep.jsonl": _lines(b"[" * 100_000 + b"]" * 100_000, *_valid()),
        "nul_bytes.jsonl": _lines(b'{"messages": \x00}', *_valid()),
        "nan.jsonl": _lines(f'{{{chat}, "weight": NaN, "x": Infinity}}'.encode(), *_valid()),
        "not_object.jsonl": _lines(b"[1, 2]", b'"text"', b"null", *_valid()),
        "empty.jsonl": b"",
        "blank_only.jsonl": b"\n\n  \n",
        "no_final_newline.jsonl": _lines(*_valid())[:-1],
        "crlf.jsonl": _lines(*_valid()).replace(b"\n", b"\r\n"),
        "bom_legacy.jsonl": b"\xef\xbb\xbf" + _lines(*legacy),
        "huge_field.jsonl": _lines(_chat("y" * 2_000_000), *_valid()),
        "many_messages.jsonl": _lines(
            {
                "messages": [
                    {"role": "user" if i % 2 == 0 else "assistant", "content": f"m{i}"}
                    for i in range(969)
                ]
            },
            *_valid(),
        ),
        "csv_like.jsonl": b'prompt,completion\nhi,"a, b"\n"unterminated,\n',
    }


def write_hostile(folder: Path) -> dict[str, Path]:
    """Write every hostile file into ``folder``, plus a FIFO, a folder and a dangling link."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for name, data in hostile_contents().items():
        path = folder / name
        path.write_bytes(data)
        out[name] = path
    fifo = folder / "fifo.jsonl"
    os.mkfifo(fifo)
    out["fifo.jsonl"] = fifo
    directory = folder / "a_folder.jsonl"
    directory.mkdir()
    out["a_folder.jsonl"] = directory
    dangling = folder / "dangling.jsonl"
    dangling.symlink_to(folder / "missing-target.jsonl")
    out["dangling.jsonl"] = dangling
    out["missing.jsonl"] = folder / "missing.jsonl"
    return out
