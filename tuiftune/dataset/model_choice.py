"""The editor's target model: the known OpenAI models, or an open model's own tokenizer.

Choosing a model builds a new :class:`Linter` over the same document (its tokenizer and example
limit come from the model) and, for an open model, counts every example exactly with the
model's chat template (``hf_tokens``: tokenizers + jinja2, never torch or transformers).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from tuiftune.dataset.costs import DEFAULT_PRICES, price_for
from tuiftune.dataset.document import Document
from tuiftune.dataset.linter import LintCancelled, Linter
from tuiftune.dataset.model_info import ModelInfo
from tuiftune.dataset.models import model_info
from tuiftune.dataset.options import is_open_model

Progress = Callable[[int, int], None]


class ModelChoiceError(Exception):
    """A model that cannot be used, as one line naming it."""


@dataclass(frozen=True, slots=True)
class KnownModel:
    """One OpenAI base model the project has a limit and a price for."""

    name: str
    example_limit: int
    price_per_million: float | None

    @property
    def label(self) -> str:
        """``gpt-4o-mini-2024-07-18 · 65,536 tokens · $3.00/1M``."""
        price = "no price" if self.price_per_million is None else f"${self.price_per_million:g}/1M"
        return f"{self.name} · {self.example_limit:,} tokens · {price}"


def known_models() -> list[KnownModel]:
    """The OpenAI models of the price table (the project's one list), with their limits."""
    return [
        KnownModel(name, model_info(name).example_limit, price_for(name)) for name in DEFAULT_PRICES
    ]


def check_model(name: str) -> ModelInfo:
    """What the linter would use for ``name``; raises :class:`ModelChoiceError` (slow for an
    open model: its tokenizer loads, so call it off the UI thread)."""
    name = name.strip()
    if not name:
        raise ModelChoiceError("no model given")
    if not is_open_model(name):
        return model_info(name)
    from tuiftune.dataset.hf_tokens import HFTokensError, load_model

    try:
        return load_model(name).model_info()
    except HFTokensError as exc:
        raise ModelChoiceError(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class ExactCounts:
    """An open model's exact tokens (chat template included) over the document's records."""

    model: str
    context: int | None
    examples: int
    total: int
    longest: int
    over_context: int

    def line(self) -> str:
        """One line for the statistics view."""
        context = f"context {self.context:,}" if self.context else "context unknown"
        return (
            f"{self.total:,} with {self.model}'s chat template in {self.examples:,} examples "
            f"(longest {self.longest:,}; {context}; {self.over_context:,} over it)"
        )


def exact_counts(
    doc: Document,
    name: str,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ExactCounts:
    """Count every record of ``doc`` with the open model ``name``'s tokenizer and template."""
    from tuiftune.dataset.hf_tokens import HFTokensError, load_model

    model = load_model(name)
    counts: list[int] = []
    n = len(doc)
    for pos in range(n):
        if cancel is not None and cancel.is_set():
            raise LintCancelled()
        if progress is not None and pos % 256 == 0:
            progress(pos, n)
        try:
            record = json.loads(doc.raw_at(pos))
        except (ValueError, UnicodeDecodeError):
            continue  # the linter reports the line
        if isinstance(record, dict):
            try:
                counts.append(model.count_record(record))
            except (HFTokensError, TypeError, AttributeError, ValueError):
                continue  # a record the template refuses: its findings name it
    if progress is not None:
        progress(n, n)
    limit = model.context
    over = sum(1 for c in counts if limit is not None and c > limit)
    return ExactCounts(model.name, limit, len(counts), sum(counts), max(counts, default=0), over)


def new_linter(doc: Document, old: Linter, name: str) -> Linter:
    """A linter over ``doc`` with ``old``'s options but the model ``name`` (not yet run)."""
    return Linter(doc, replace(old.options, model=name))


def detach(doc: Document, linter: Linter) -> None:
    """Stop ``linter`` following ``doc``'s edits (the linter it replaced, or a cancelled one)."""
    # A replaced linter left subscribed would re-lint every edit for nothing and keep its
    # columns alive.
    doc.unsubscribe(linter._on_change)
