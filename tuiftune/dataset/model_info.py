"""ModelInfo: what the linter needs of one base model (its own module, so that ``hf_tokens``
can build one without importing ``models``, which looks open models up through it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Tokenizer and per-example training context of one base model."""

    name: str
    encoding: str
    example_limit: int
    known: bool = True
