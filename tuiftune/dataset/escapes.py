r"""Backslash escapes typed in one-line inputs (``\n``, ``\t``, ``\u2192``) and back again.

The one implementation for the command line and the TUI: text outside ASCII (``→``) is kept
as it is; only backslash sequences are decoded.
"""

from __future__ import annotations

import codecs
import re

# A backslash sequence as Python's "unicode_escape" codec reads it; everything else is literal.
_ESCAPE = re.compile(
    r"\\(U[0-9A-Fa-f]{8}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[0-7]{1,3}|N\{[^}]*\}|.)",
    re.DOTALL,
)


class EscapeError(ValueError):
    r"""A backslash sequence that means nothing (``\x`` without two hex digits, a lone ``\``)."""


def unescape(text: str) -> str:
    r"""Turn ``\n``-style escapes into the characters they stand for; other text stays as is.

    Raises ``EscapeError`` naming the bad sequence.
    """
    if text.endswith("\\") and (len(text) - len(text.rstrip("\\"))) % 2:
        raise EscapeError(f"{text!r}: a lone backslash at the end")

    def decode(match: re.Match[str]) -> str:
        sequence = match.group(0)
        try:
            # Only the ASCII escape itself goes through the codec, so "→" is never re-read as
            # Latin-1 bytes (the old bug turned it into 'â\x86\x92').
            return codecs.decode(sequence, "unicode_escape")
        except UnicodeDecodeError:
            raise EscapeError(f"{sequence!r}: not a valid escape") from None

    return _ESCAPE.sub(decode, text)


def escape(text: str) -> str:
    r"""The inverse of ``unescape`` for display in a one-line input: controls as ``\n``, ``\x1b``.

    Printable text, non-ASCII included, is kept as it is; a backslash is doubled.
    """
    out: list[str] = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)
