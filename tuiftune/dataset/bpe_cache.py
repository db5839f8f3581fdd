"""The tokenizer's merge ranks kept in a marshal file: a cold lint or eval skips parsing them.

``tiktoken.get_encoding`` parses its BPE file line by line through ``base64.b64decode`` on
every start (0.2-0.4 s for o200k_base, the largest cost of linting a small file) and builds an
``Encoding`` the linter does not use. Here tiktoken's own constructor runs with a loader that
reads the ranks it parsed last time (``marshal``, 0.04 s, checked by a SHA-256 of the bytes),
and the core is built once, in the thread that counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

CACHE_ENV = "TUIFTUNE_BPE_CACHE"  # a folder; "off" disables the cache
_DIGEST = 32


def cache_dir() -> Path | None:
    """Where parsed ranks are kept (``$TUIFTUNE_BPE_CACHE`` or the user cache folder)."""
    from tuiftune.config_paths import cache_folder

    return cache_folder(CACHE_ENV, "bpe")


def _read(path: Path) -> dict[bytes, int] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[_DIGEST:]
    if hashlib.sha256(body).digest() != data[:_DIGEST]:
        return None  # torn or altered: parse the source again
    with contextlib.suppress(ValueError, EOFError, TypeError):
        ranks = marshal.loads(body)
        if isinstance(ranks, dict):
            return ranks
    return None


def _write(path: Path, ranks: dict[bytes, int]) -> None:
    body = marshal.dumps(ranks)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(hashlib.sha256(body).digest() + body)
        tmp.replace(path)
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)


def cached_ranks(source: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """``tiktoken.load.load_tiktoken_bpe(source, expected_hash)``, from the cache when it can.

    Only files tiktoken pins by hash are cached (the hash names the entry), so a changed
    source can never be answered with old ranks.
    """
    from tiktoken.load import load_tiktoken_bpe

    folder = cache_dir() if expected_hash else None
    if folder is None:
        return load_tiktoken_bpe(source, expected_hash)
    entry = folder / f"{expected_hash}.marshal"
    ranks = _read(entry)
    if ranks is None:
        ranks = load_tiktoken_bpe(source, expected_hash)
        _write(entry, ranks)
    return ranks


def cached_encoder(name: str) -> Callable[[str], list[int]] | None:
    """``encode_ordinary`` of a new core for encoding ``name``; None when tiktoken's own path
    must be used (an unknown name, a plugin or a tiktoken whose constructors differ).

    Loading errors (no network and no tiktoken cache) propagate as tiktoken raises them.
    """
    try:
        import tiktoken.registry
        from tiktoken import _tiktoken  # type: ignore[attr-defined]

        if tiktoken.registry.ENCODING_CONSTRUCTORS is None:
            tiktoken.registry._find_constructors()
        constructor = (tiktoken.registry.ENCODING_CONSTRUCTORS or {}).get(name)
        core_type = _tiktoken.CoreBPE
    except Exception:
        return None
    if not isinstance(constructor, types.FunctionType):
        return None
    if "load_tiktoken_bpe" not in constructor.__code__.co_names:
        return None
    # The constructor's own code with the cached loader in its globals: nothing shared is
    # patched, so a concurrent tiktoken.get_encoding is unaffected.
    scope = {**constructor.__globals__, "load_tiktoken_bpe": cached_ranks}
    build: Any = types.FunctionType(constructor.__code__, scope, constructor.__name__)
    spec = build()
    core = core_type(spec["mergeable_ranks"], spec["special_tokens"], spec["pat_str"])
    encode: Callable[[str], list[int]] = core.encode_ordinary
    return encode
