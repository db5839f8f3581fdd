"""Training cost estimates: billing tokens, OpenAI's ``auto`` epochs, a price table."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tuiftune.dataset.models import base_model

# USD per 1M training tokens, from OpenAI's pricing page (late 2026). Prices change: users
# override them in the config file's [prices] table.
DEFAULT_PRICES: dict[str, float] = {
    "gpt-4.1-2025-04-14": 25.00,
    "gpt-4.1-mini-2025-04-14": 5.00,
    "gpt-4.1-nano-2025-04-14": 1.50,
    "gpt-4o-2024-08-06": 25.00,
    "gpt-4o-mini-2024-07-18": 3.00,
    "gpt-3.5-turbo-0125": 8.00,
    "gpt-3.5-turbo-1106": 8.00,
    "gpt-3.5-turbo-0613": 8.00,
    "davinci-002": 6.00,
    "babbage-002": 0.40,
}
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
DEFAULT_EPOCHS = 3
MAX_EPOCHS = 25


def auto_epochs(n_examples: int) -> int:
    """OpenAI's ``n_epochs: auto`` as commonly estimated (3, adjusted to 100..25,000 passes)."""
    if n_examples <= 0:
        return DEFAULT_EPOCHS
    epochs = DEFAULT_EPOCHS
    if n_examples * epochs < MIN_TARGET_EXAMPLES:
        epochs = min(MAX_EPOCHS, math.ceil(MIN_TARGET_EXAMPLES / n_examples))
    elif n_examples * epochs > MAX_TARGET_EXAMPLES:
        epochs = max(1, MAX_TARGET_EXAMPLES // n_examples)
    return epochs


def price_for(model: str, overrides: Mapping[str, float] | None = None) -> float | None:
    """USD per 1M training tokens for a model (by exact name, then longest prefix)."""
    table = {**DEFAULT_PRICES, **(overrides or {})}
    name = base_model(model)
    if name in table:
        return table[name]
    matches = [k for k in table if name.startswith(k) or k.startswith(name)]
    return table[max(matches, key=len)] if matches else None


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """What one training run would bill."""

    model: str
    examples: int
    billing_tokens_per_epoch: int
    epochs: int
    price_per_million: float | None

    @property
    def billing_tokens(self) -> int:
        """Tokens billed over all epochs."""
        return self.billing_tokens_per_epoch * self.epochs

    @property
    def cost(self) -> float | None:
        """Estimated USD, or None when the model has no known price."""
        if self.price_per_million is None:
            return None
        return self.billing_tokens * self.price_per_million / 1_000_000


def estimate(
    model: str,
    tokens: Sequence[int],
    limit: int,
    *,
    epochs: int | None = None,
    overrides: Mapping[str, float] | None = None,
) -> CostEstimate:
    """Estimate the cost of training ``model`` on examples with these token counts."""
    return estimate_counts(model, Counter(tokens), limit, epochs=epochs, overrides=overrides)


def estimate_counts(
    model: str,
    counts: Mapping[int, int],
    limit: int,
    *,
    epochs: int | None = None,
    overrides: Mapping[str, float] | None = None,
) -> CostEstimate:
    """``estimate`` from how many examples have each token count (a report's histogram)."""
    billing = sum(min(t, limit) * k for t, k in counts.items())
    n = sum(counts.values())
    return CostEstimate(model, n, billing, epochs or auto_epochs(n), price_for(model, overrides))
