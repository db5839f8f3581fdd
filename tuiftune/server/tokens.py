"""Token counts for ``usage`` and ``max_tokens``, with tiktoken (offline via its cache)."""

from __future__ import annotations

import functools
import re
from typing import Any, Protocol

from tuiftune.server.catalog import encoding_for


class Encoding(Protocol):
    """The part of ``tiktoken.Encoding`` used here."""

    def encode_ordinary(self, text: str) -> list[int]: ...

    def decode(self, tokens: list[int]) -> str: ...


class _Estimate:
    """Four characters a token, for when tiktoken's files cannot be loaded."""

    def encode_ordinary(self, text: str) -> list[int]:
        return [ord(c) for c in text[::4]] if text else []

    def decode(self, tokens: list[int]) -> str:
        raise NotImplementedError


@functools.cache
def _encoding(name: str) -> Encoding:
    try:
        import tiktoken

        enc: Encoding = tiktoken.get_encoding(name)
        return enc
    except Exception:  # no cache and no network: usage becomes an estimate
        return _Estimate()


def count(model: str, text: str) -> int:
    """Tokens in ``text`` for ``model``'s tokenizer."""
    return len(_encoding(encoding_for(model)).encode_ordinary(text)) if text else 0


def truncate(model: str, text: str, max_tokens: int) -> tuple[str, bool]:
    """Cut ``text`` to at most ``max_tokens`` tokens; also say whether anything was cut."""
    enc = _encoding(encoding_for(model))
    tokens = enc.encode_ordinary(text)
    if len(tokens) <= max_tokens:
        return text, False
    if isinstance(enc, _Estimate):
        return text[: max_tokens * 4], True
    # A cut inside a multi-byte character decodes to U+FFFD; drop that half character.
    return enc.decode(tokens[:max_tokens]).rstrip("\ufffd"), True


def message_text(content: Any) -> str:
    """The text of a message ``content``: a string, or the text parts of a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text", "") for p in content if isinstance(p, dict)]
        return "\n".join(t for t in texts if isinstance(t, str))
    return ""


def chat_prompt_tokens(model: str, messages: list[dict[str, Any]]) -> int:
    """The cookbook's approximation: 3 per message, its values, 1 per name, 3 to prime."""
    total = 3
    for message in messages:
        total += 3
        for key, value in message.items():
            if key == "content":
                total += count(model, message_text(value))
            elif isinstance(value, str):
                total += count(model, value)
            if key == "name":
                total += 1
    return total


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
# CJK text has no spaces between words, so each of its characters counts as a word.
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, for retrieval (not a model tokenizer)."""
    return _WORD.findall(text.lower())
