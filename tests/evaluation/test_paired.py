"""Paired comparison: wins/losses/ties, fixed/broke, McNemar exact and the paired bootstrap."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest  # type: ignore[import-untyped]

from tuiftune.evaluation import compare_models, mcnemar_exact, paired_bootstrap
from tuiftune.evaluation.paired import compare_metric


def test_mcnemar_is_a_binomial_test_of_discordant_pairs() -> None:
    a = [True] * 10 + [False] * 12 + [True] * 3 + [False] * 5
    b = [True] * 10 + [True] * 12 + [False] * 3 + [False] * 5
    assert mcnemar_exact(a, b) == pytest.approx(binomtest(12, 15, 0.5).pvalue)
    assert mcnemar_exact([True, False], [True, False]) == 1.0
    # 24 fixed, none broken: p = 2 * 0.5 ** 24
    assert mcnemar_exact([False] * 24, [True] * 24) == pytest.approx(2 * 0.5**24)


def test_bootstrap_is_seeded_and_sensible() -> None:
    a = [0.1 * (i % 5) for i in range(60)]
    b = [x + 0.3 for x in a]
    p1, low, high = paired_bootstrap(a, b, seed=1, samples=2000)
    assert (p1, low, high) == paired_bootstrap(a, b, seed=1, samples=2000)
    assert p1 < 0.001 and low == pytest.approx(0.3) and high == pytest.approx(0.3)
    assert paired_bootstrap(a, a) == (1.0, 0.0, 0.0)
    noisy_b = [x + (0.2 if i % 2 else -0.2) for i, x in enumerate(a)]
    p, low, high = paired_bootstrap(a, noisy_b, seed=3, samples=2000)
    assert p > 0.5 and low < 0 < high


def test_compare_metric_counts() -> None:
    c = compare_metric("f1", [0.0, 0.5, 1.0, 0.2], [0.5, 0.5, 0.0, 0.9], binary=False, samples=500)
    assert (c.wins, c.losses, c.ties) == (2, 1, 1)
    assert c.test == "paired-bootstrap" and c.ci_low is not None
    assert c.difference == pytest.approx((1.9 - 1.7) / 4)


def test_compare_models_fixed_and_broke_use_shared_examples() -> None:
    a = {0: {"em_norm": 1.0, "f1": 1.0}, 1: {"em_norm": 0.0, "f1": 0.2}, 2: {"em_norm": 0.0}}
    b = {0: {"em_norm": 0.0, "f1": 0.5}, 1: {"em_norm": 1.0, "f1": 1.0}, 3: {"em_norm": 1.0}}
    c = compare_models("A", "B", a, b, ["em_norm", "f1"], samples=200)
    assert c.fixed == (1,) and c.broke == (0,)
    em = c.metric("em_norm")
    assert em is not None and em.n == 2 and em.test == "mcnemar-exact" and em.p_value == 1.0
    f1 = c.metric("f1")
    assert f1 is not None and f1.n == 2
    assert c.to_dict()["fixed"] == [1]
