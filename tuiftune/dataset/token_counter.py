"""One encoding's token counter: lazy tiktoken load, a bounded per-string cache, offline fallback.

Apart from ``tokens`` (which hands out the shared counters) so that ``hf_tokens`` can subclass it
without an import cycle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# The same system prompt, tool list or label repeats on every line of a typical dataset, so
# most strings after the first few are cache hits. The bound is on characters held, so a file
# of huge unique strings cannot balloon memory.
_CACHE_MAX_CHARS = 1_000_000


# tiktoken's BPE is superlinear on one long run without spaces (5 MB of "x" takes seconds), so
# long strings are counted in pieces cut where its pre-tokenizer splits anyway: before a space
# that starts a word. Only a piece with no such place is cut blindly (an estimate at the seam).
_PIECE = 100_000
_SEAM_SEARCH = 20_000


def split_long(text: str) -> list[str]:
    """Cut a long string into pieces whose token counts add up to the whole string's."""
    pieces: list[str] = []
    start = 0
    n = len(text)
    while n - start > _PIECE:
        cut = start + _PIECE
        lo = cut - _SEAM_SEARCH
        seam = text.rfind(" ", lo, cut)
        while seam > lo and not (text[seam - 1] != " " and text[seam + 1 : seam + 2].isalpha()):
            seam = text.rfind(" ", lo, seam)
        cut = seam if seam > lo else cut
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _counting(encode: Callable[[str], list[int]]) -> Callable[[str], int]:
    def count(text: str) -> int:
        if len(text) <= _PIECE:
            return len(encode(text))
        return sum(len(encode(piece)) for piece in split_long(text))

    return count


class _Cache(dict[str, int]):
    """A dict whose misses are computed: a hit costs one C-level lookup, the hot path of lint."""

    def __init__(self, compute: Callable[[str], int]) -> None:
        super().__init__()
        self.compute = compute
        self.encode: Callable[[str], list[int]] | None = None
        self.chars = 0

    def __missing__(self, text: str) -> int:
        n = len(text)
        encode = self.encode
        # Inlined for the common case: this runs once per unique string.
        result = len(encode(text)) if encode is not None and n <= _PIECE else self.compute(text)
        if self.chars + n > _CACHE_MAX_CHARS:
            self.clear()
            self.chars = 0
        self[text] = result
        self.chars += n
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

    def clear_cache(self) -> None:
        """Forget cached counts (the tokenizer stays loaded)."""
        self._cache.clear()
        self._cache.chars = 0

    def _tiktoken_encoder(self) -> Callable[[str], list[int]]:
        import tiktoken
        import tiktoken.registry

        # Built here by get_encoding: already this thread's own core (no second one).
        fresh = self.encoding_name not in tiktoken.registry.ENCODINGS
        enc: Any = tiktoken.get_encoding(self.encoding_name)
        return _own_encoder(enc, fresh)

    def _first_count(self, text: str) -> int:
        with self._lock:
            try:
                from tuiftune.dataset.bpe_cache import cached_encoder

                # The ranks from their cache and the core built here, once (bpe_cache); else
                # tiktoken's own path.
                encode = cached_encoder(self.encoding_name) or self._tiktoken_encoder()
                self._cache.encode = encode
                self._cache.compute = _counting(encode)
            except Exception as exc:  # no network, no cache, corrupt cache: all mean "estimate"
                self.estimated = True
                # The whole chain (URLs, retries) is noise to a user: the first line says enough.
                brief = str(exc).splitlines()[0] if str(exc) else ""
                brief = brief if len(brief) <= 100 else brief[:97] + "..."
                self.load_error = f"{type(exc).__name__}: {brief}" if brief else type(exc).__name__
                self._cache.compute = _estimate
        return self._cache.compute(text)


def _own_encoder(enc: Any, fresh: bool = False) -> Callable[[str], list[int]]:
    """An ``encode_ordinary`` owned by the calling thread.

    tiktoken's regex runs about 30% slower in any thread other than the one that built it
    (measured here), and lint runs in a worker thread; so that thread builds its own core
    (0.14 s for o200k_base) instead of borrowing the shared one, unless ``fresh``: the
    encoding was just built in this thread. Calling the core directly also skips tiktoken's
    Python wrapper.
    """
    try:
        if fresh:
            return enc._core_bpe.encode_ordinary  # type: ignore[no-any-return]
        from tiktoken import _tiktoken  # type: ignore[attr-defined]

        core = _tiktoken.CoreBPE(enc._mergeable_ranks, enc._special_tokens, enc._pat_str)
        return core.encode_ordinary  # type: ignore[no-any-return]
    except Exception:  # a tiktoken without these internals: its public method works too
        return enc.encode_ordinary  # type: ignore[no-any-return]


def _estimate(text: str) -> int:
    """About four characters a token: what English text averages."""
    return (len(text) + 3) // 4
