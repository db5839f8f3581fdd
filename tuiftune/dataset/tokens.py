"""Token counting: the shared counter of each encoding (tiktoken's, or an open model's own)."""

from __future__ import annotations

import threading

from tuiftune.dataset.token_counter import TokenCounter, split_long

__all__ = ["TokenCounter", "counter_for", "split_long"]

_counters: dict[str, TokenCounter] = {}
_counters_lock = threading.Lock()


def counter_for(encoding_name: str) -> TokenCounter:
    """The shared counter of one encoding (so its cache is shared across files)."""
    with _counters_lock:
        counter = _counters.get(encoding_name)
        if counter is None:
            if encoding_name.startswith("hf:"):  # an open model's own tokenizer (hf_tokens)
                from tuiftune.dataset.hf_tokens import HFCounter

                counter = _counters[encoding_name] = HFCounter(encoding_name)
            else:
                counter = _counters[encoding_name] = TokenCounter(encoding_name)
        return counter
