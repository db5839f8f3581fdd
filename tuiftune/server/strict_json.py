"""Request JSON that the rest of the server can trust: finite numbers, bounded depth, valid text.

Python's ``json`` accepts ``NaN``/``Infinity``, turns ``1e400`` into ``inf``, refuses integers of
more than 4,300 digits with a bare ``ValueError``, recurses until ``RecursionError`` on deep
nesting, and keeps lone surrogates (``"\\ud800"``) that fail later when any code encodes them.
Each of those becomes a 400 here, naming the field when there is one.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted (tool schemas rarely pass 10)."""
MAX_INT_DIGITS = 4300
"""Python's own limit for int() on a decimal string; longer integers are refused."""


class BadJSON(ValueError):
    """Why a body is not acceptable JSON: a whole sentence when ``param`` names the field, the
    end of "We could not parse the JSON body of your request: ..." when it is None."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def _constant(name: str) -> Any:
    raise BadJSON(f"{name} is not a JSON number; send a finite number.")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJSON(f"the number {_short(text)} is out of range; send a finite number.")
    return value


def _int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise BadJSON(f"an integer has {digits} digits; at most {MAX_INT_DIGITS} are accepted.")
    return int(text)


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:20]}..."


def _bad_text(text: str) -> int | None:
    """The index of the first lone surrogate in ``text``, or None when it encodes as UTF-8."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_tree(value: Any) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` and strings (or keys) with lone surrogates."""
    # Iterative on purpose: the point is to survive inputs that would exhaust the C stack.
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            at = _bad_text(node)
            if at is not None:
                detail = (
                    f"a lone UTF-16 surrogate (U+{ord(node[at]):04X}) at character {at}, "
                    "which is not valid Unicode."
                )
                if not path:
                    raise BadJSON(f"the string holds {detail}")
                raise BadJSON(f"Invalid '{path}': the string holds {detail}", path)
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise BadJSON(f"it is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(node, list):
            stack.extend((item, _join(path, i), depth + 1) for i, item in enumerate(node))
            continue
        for key, item in node.items():
            at = _bad_text(key)
            if at is not None:
                raise BadJSON(
                    f"a key under '{path or 'the top level'}' holds a lone UTF-16 surrogate, "
                    "which is not valid Unicode."
                )
            stack.append((item, _join(path, key), depth + 1))


def loads(raw: bytes) -> Any:
    """Parse a request body; raise ``BadJSON`` (or ``ValueError`` for plain syntax errors)."""
    try:
        value = json.loads(raw, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except RecursionError:
        raise BadJSON(f"it is nested more than {MAX_DEPTH} levels deep.") from None
    check_tree(value)
    return value
