"""Object identifiers shaped like OpenAI's: a prefix and base62 characters."""

from __future__ import annotations

import hashlib
import secrets

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 62)
        chars.append(_ALPHABET[rem])
    return "".join(chars)


def new_id(prefix: str, length: int = 24) -> str:
    """A fresh random id such as ``ftjob-`` followed by 24 base62 characters."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def stable_id(prefix: str, *parts: object, length: int = 24) -> str:
    """An id derived from ``parts``: the same inputs always give the same id."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return prefix + _base62(int.from_bytes(digest, "big"), length)


def stable_int(*parts: object, bound: int) -> int:
    """A deterministic integer in ``[0, bound)`` derived from ``parts``."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") % bound


def encode_fixed(number: int, length: int) -> str:
    """``number`` in base62, most significant first, padded to ``length`` characters."""
    return _base62(number, length)[::-1]


def decode_fixed(text: str) -> int | None:
    """The inverse of ``encode_fixed``; None if ``text`` is not base62."""
    number = 0
    for char in text:
        digit = _ALPHABET.find(char)
        if digit < 0:
            return None
        number = number * 62 + digit
    return number
