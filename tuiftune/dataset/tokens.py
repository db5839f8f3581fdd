"""Token counting with tiktoken: lazy encodings, a bounded per-string cache, offline fallback."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# A bounded cache: the same system prompt, tool list or label repeats on every line of a
# typical dataset, so most strings after the first few are cache hits. The bound is on
# characters held, so a file of huge unique strings cannot balloon memory.
_CACHE_MAX_CHARS = 8_000_000
_CACHE_MIN_LEN = 8  # shorter strings encode faster than a dict miss costs


class TokenCounter:
    """Counts tokens for one encoding; falls back to an estimate when the encoding can't load."""

    def __init__(self, encoding_name: str) -> None:
        self.encoding_name = encoding_name
        self._encode: Callable[[str], list[int]] | None = None
        self._loaded = False
        self._lock = threading.Lock()
        self.estimated = False
        self.load_error: str | None = None
        self._cache: dict[str, int] = {}
        self._cached_chars = 0

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            try:
                import tiktoken

                enc: Any = tiktoken.get_encoding(self.encoding_name)
                self._encode = enc.encode_ordinary
            except Exception as exc:  # no network, no cache, corrupt cache: all mean "estimate"
                self.estimated = True
                self.load_error = f"{type(exc).__name__}: {exc}"
            self._loaded = True

    def count(self, text: str) -> int:
        """Tokens in ``text`` (an estimate of ~4 characters a token when tiktoken can't load)."""
        if not self._loaded:
            self._load()
        n = len(text)
        if n < _CACHE_MIN_LEN:
            if self._encode is None:
                return (n + 3) // 4
            return len(self._encode(text))
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        result = len(self._encode(text)) if self._encode is not None else (n + 3) // 4
        if self._cached_chars + n > _CACHE_MAX_CHARS:
            self._cache.clear()
            self._cached_chars = 0
        self._cache[text] = result
        self._cached_chars += n
        return result


_counters: dict[str, TokenCounter] = {}
_counters_lock = threading.Lock()


def counter_for(encoding_name: str) -> TokenCounter:
    """The shared counter of one encoding (so its cache is shared across files)."""
    with _counters_lock:
        counter = _counters.get(encoding_name)
        if counter is None:
            counter = _counters[encoding_name] = TokenCounter(encoding_name)
        return counter
