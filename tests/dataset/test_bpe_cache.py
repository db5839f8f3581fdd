"""The cached merge ranks are tiktoken's own, a damaged cache is parsed again, tokens agree."""

from __future__ import annotations

from pathlib import Path

import pytest
import tiktoken

from tuiftune.dataset import bpe_cache
from tuiftune.dataset.tokens import TokenCounter

REAL = (
    Path(__file__).resolve().parents[3] / "shared" / "datasets" / "mandarin2cantonese-legacy.jsonl"
)


def test_cached_encoder_counts_as_tiktoken_and_reuses_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(bpe_cache.CACHE_ENV, str(tmp_path))
    encode = bpe_cache.cached_encoder("cl100k_base")
    assert encode is not None
    entries = list(tmp_path.glob("*.marshal"))
    assert len(entries) == 1
    reference = tiktoken.get_encoding("cl100k_base")
    texts = ["héllo  wörld\n\n", "def f(x):\n    return x  # ok", "粵語 廣東話 🙂"]
    if REAL.is_file():
        texts += REAL.read_text(encoding="utf-8").splitlines()[:200]
    for text in texts:
        assert encode(text) == reference.encode_ordinary(text)
    # Read back from the cache: the same ranks tiktoken parses.
    cached = bpe_cache._read(entries[0])
    assert cached == reference._mergeable_ranks
    assert bpe_cache.cached_encoder("cl100k_base") is not None
    assert list(tmp_path.glob("*.marshal")) == entries  # reused, not rewritten beside it


def test_a_damaged_cache_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bpe_cache.CACHE_ENV, str(tmp_path))
    assert bpe_cache.cached_encoder("cl100k_base") is not None
    (entry,) = tmp_path.glob("*.marshal")
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2])  # torn
    assert bpe_cache._read(entry) is None
    encode = bpe_cache.cached_encoder("cl100k_base")
    assert encode is not None and encode("hello world") == [15339, 1917]
    assert bpe_cache._read(entry) == tiktoken.get_encoding("cl100k_base")._mergeable_ranks


def test_unknown_names_fall_back_and_the_counter_still_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(bpe_cache.CACHE_ENV, "off")
    assert bpe_cache.cache_dir() is None
    assert bpe_cache.cached_encoder("no-such-encoding") is None
    counter = TokenCounter("cl100k_base")
    assert counter.count("hello world") == 2 and not counter.estimated
    assert not list(tmp_path.iterdir())
