"""The create form's field values: ``auto`` or a number, ``key=value`` metadata."""

from __future__ import annotations

from typing import Literal


def auto_int(text: str) -> int | Literal["auto"] | None:
    """An integer, or None for empty or ``auto``; raises ValueError."""
    text = text.strip()
    if not text or text == "auto":
        return None
    return int(text)


def auto_float(text: str) -> float | Literal["auto"] | None:
    """A number, or None for empty or ``auto``; raises ValueError."""
    text = text.strip()
    if not text or text == "auto":
        return None
    return float(text)


def parse_metadata(text: str) -> dict[str, str] | None:
    """``key=value, key=value`` as a dict (None when empty); raises ValueError on a bad pair."""
    pairs = [p.strip() for p in text.split(",") if p.strip()]
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"metadata {pair!r} is not key=value")
        out[key.strip()] = value.strip()
    return out or None
