"""Token statistics from a histogram give what ``statistics`` gives for the sorted list."""

from __future__ import annotations

import statistics
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from tuiftune.dataset.costs import estimate, estimate_counts
from tuiftune.dataset.report import TokenStats


def by_the_book(values: list[int]) -> TokenStats:
    """The summary as it was computed before: sorted list, ``statistics``."""
    if not values:
        return TokenStats()
    ordered = sorted(values)
    p95 = (
        round(statistics.quantiles(ordered, n=20, method="inclusive")[18])
        if len(ordered) > 1
        else ordered[0]
    )
    return TokenStats(sum(ordered), ordered[0], statistics.median(ordered), p95, ordered[-1])


@given(st.lists(st.integers(0, 200_000), max_size=300))
def test_histogram_summary_equals_the_sorted_list_one(values: list[int]) -> None:
    got = TokenStats.of_counts(Counter(values))
    want = by_the_book(values)
    assert got == want
    assert type(got.median) is type(want.median)  # int for an odd count, float for an even one


@given(st.lists(st.integers(0, 100), min_size=1, max_size=50), st.integers(1, 100))
def test_cost_from_a_histogram(values: list[int], limit: int) -> None:
    model = "gpt-4o-mini-2024-07-18"
    assert estimate_counts(model, Counter(values), limit) == estimate(model, values, limit)
    total = sum(min(v, limit) for v in values)
    assert estimate(model, values, limit).billing_tokens_per_epoch == total
