"""Token counting with tiktoken: lazy encodings, a bounded per-string cache, offline fallback."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# The same system prompt, tool list or label repeats on every line of a typical dataset, so
# most strings after the first few are cache hits. The bound is on characters held, so a file
# of huge unique strings cannot balloon memory.
_CACHE_MAX_CHARS = 4_000_000


class _Cache(dict[str, int]):
    """A dict whose misses are computed: a hit costs one C-level lookup, the hot path of lint."""

    def __init__(self, compute: Callable[[str], int]) -> None:
        super().__init__()
        self.compute = compute
        self.chars = 0

    def __missing__(self, text: str) -> int:
        result = self.compute(text)
        if self.chars + len(text) > _CACHE_MAX_CHARS:
            self.clear()
            self.chars = 0
        self[text] = result
        self.chars += len(text)
        return result


class TokenCounter:
    """Counts tokens for one encoding; falls back to an estimate when the encoding can't load."""

    def __init__(self, encoding_name: str) -> None:
        self.encoding_name = encoding_name
        self.estimated = False
        self.load_error: str | None = None
        self._lock = threading.Lock()
        self._cache = _Cache(self._first_count)
        #: ``count(text)``: the number of tokens (bound to the cache's lookup once loaded).
        self.count: Callable[[str], int] = self._cache.__getitem__

    def _first_count(self, text: str) -> int:
        encode = self._load()
        self._cache.compute = encode
        return encode(text)

    def _load(self) -> Callable[[str], int]:
        with self._lock:
            try:
                import tiktoken

                enc: Any = tiktoken.get_encoding(self.encoding_name)
                # The core's method skips tiktoken's Python wrapper, a measurable cost per call.
                raw = getattr(getattr(enc, "_core_bpe", None), "encode_ordinary", None)
                encode = raw if callable(raw) else enc.encode_ordinary
                return lambda text: len(encode(text))
            except Exception as exc:  # no network, no cache, corrupt cache: all mean "estimate"
                self.estimated = True
                self.load_error = f"{type(exc).__name__}: {exc}"
                return lambda text: (len(text) + 3) // 4


_counters: dict[str, TokenCounter] = {}
_counters_lock = threading.Lock()


def counter_for(encoding_name: str) -> TokenCounter:
    """The shared counter of one encoding (so its cache is shared across files)."""
    with _counters_lock:
        counter = _counters.get(encoding_name)
        if counter is None:
            counter = _counters[encoding_name] = TokenCounter(encoding_name)
        return counter
