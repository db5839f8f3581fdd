"""One-line previews of records, safe to show in a terminal."""

from __future__ import annotations

import re
from typing import Any

from tuiftune.dataset.formats import Format, detect
from tuiftune.dataset.record import parse

PREVIEW_CHARS = 400
# C0 and C1 controls, DEL, the Unicode line/paragraph separators, the bidirectional controls
# (U+202A-U+202E, U+2066-U+2069, LRM, RLM, ALM) and lone surrogates: none of them may reach a
# terminal raw (escape sequences, reordered text that hides what a line says).
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
)
_CONTROL = re.compile(f"[{_UNSAFE}]")
#: The same class as a regex fragment, for the other escapers (``textfmt.clean``, JSON output).
UNSAFE_CHARS = _UNSAFE
_VISIBLE = {"\n": "⏎", "\t": "→", "\r": "␍"}


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Show line breaks and tabs as symbols and other control characters as ``\\xNN``.

    A terminal must never receive a record's escape sequences (ANSI colours, cursor moves).
    """
    for raw, sym in _VISIBLE.items():
        text = text.replace(raw, sym)
    return _CONTROL.sub(lambda m: _escape(m.group(0)), text)


_CONTROL_KEEP_LINES = re.compile(f"[{_UNSAFE}\r]")


def printable(text: str) -> str:
    """Keep line breaks and tabs, but show every other control character as ``\\xNN``.

    For multi-line views of model or user text: escape sequences must never reach the terminal.
    """
    return _CONTROL_KEEP_LINES.sub(lambda m: _escape(m.group(0)), text)


def has_unsafe(text: str) -> bool:
    """Whether text holds a character that ``printable`` would escape."""
    return _CONTROL_KEEP_LINES.search(text) is not None


_UNESCAPE = re.compile(r"\\(\\|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")


def escape_field(text: str) -> str:
    """A reversible, terminal-safe form of a field for an editor: ``\\`` doubled, controls escaped.

    Only used for fields that hold unsafe characters, so ordinary text is edited as it is.
    """
    return _CONTROL_KEEP_LINES.sub(lambda m: _escape(m.group(0)), text.replace("\\", "\\\\"))


def unescape_field(text: str) -> str:
    """Undo ``escape_field``; a backslash not starting an escape is kept as typed."""

    def one(m: re.Match[str]) -> str:
        body = m.group(1)
        return "\\" if body == "\\" else chr(int(body[1:], 16))

    return _UNESCAPE.sub(one, text)


def json_safe(text: str) -> str:
    """JSON text with every unsafe character inside it written as a ``\\uXXXX`` escape.

    ``json.dumps(ensure_ascii=False)`` escapes C0 controls but not DEL, C1 or bidi controls;
    in JSON the escape means the same character, so the record round-trips unchanged.
    """
    return _CONTROL_KEEP_LINES.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _content(message: Any) -> str:
    if not isinstance(message, dict):
        return "?"
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "[image]") if isinstance(p, dict) else "?" for p in content)
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        names = [
            c.get("function", {}).get("name", "?") if isinstance(c, dict) else "?" for c in calls
        ]
        return "call " + ", ".join(str(n) for n in names)
    return ""


def _conversation(messages: Any) -> str:
    if not isinstance(messages, list) or not messages:
        return "(no messages)"
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    answers = [m for m in messages if isinstance(m, dict) and m.get("role") == "assistant"]
    first = _content(users[0]) if users else _content(messages[0])
    last = _content(answers[-1]) if answers else ""
    return f"{first} → {last}" if last else first


def preview_of(raw: bytes) -> tuple[str, Format | None]:
    """A short summary of a record and its format (None for lines that do not parse)."""
    value, problem, text = parse(raw)
    if problem is not None:
        shown = text if text is not None else raw.decode("utf-8", "replace")
        return visible(shown[:PREVIEW_CHARS]), None
    fmt = detect(value)
    if fmt is Format.CHAT or fmt is Format.REINFORCEMENT:
        summary = _conversation(value.get("messages"))
    elif fmt is Format.LEGACY:
        completion = value.get("completion", value.get("completions", ""))
        summary = f"{value.get('prompt', '')!s} → {completion!s}"
    elif fmt is Format.DPO:
        inp = value.get("input")
        question = _conversation(inp.get("messages")) if isinstance(inp, dict) else "?"
        preferred = value.get("preferred_output")
        good = _content(preferred[0]) if isinstance(preferred, list) and preferred else "?"
        summary = f"{question} ✓ {good}"
    elif fmt is Format.SHAREGPT:
        conv = value.get("conversations")
        turns = (
            [t.get("value", t.get("content", "")) for t in conv if isinstance(t, dict)]
            if (isinstance(conv, list))
            else []
        )
        summary = " → ".join(str(t) for t in turns[:2])
    else:
        summary = raw.decode("utf-8", "replace")
    return visible(summary[:PREVIEW_CHARS]), fmt
