"""The one pass rule, shared by the tables and the paired comparison."""

from __future__ import annotations

from tuiftune.evaluation.paired import compare_models
from tuiftune.evaluation.verdicts import decisive_metric, passed


def test_exact_match_decides_then_f1_and_errors_fail() -> None:
    assert passed({"em_norm": 1.0, "em": 0.0}) is True  # normalised match wins
    assert passed({"em": 0.0, "f1": 0.9}) is False  # exact match decides over F1
    assert passed({"f1": 0.5}) is True
    assert passed({"f1": 0.49}) is False
    assert passed({"bleu": 90.0}) is None
    assert passed({"em": 1.0}, error="refused") is False
    assert decisive_metric(["f1", "em", "em_norm"]) == "em_norm"
    assert decisive_metric(["f1"]) is None


def test_fixed_and_broke_follow_the_same_rule() -> None:
    a = {0: {"em_norm": 0.0}, 1: {"em_norm": 1.0}, 2: {"em_norm": 1.0}}
    b = {0: {"em_norm": 1.0}, 1: {"em_norm": 0.0}, 2: {"em_norm": 1.0}}
    comparison = compare_models("a", "b", a, b, ["em_norm"], samples=10)
    assert comparison.fixed == (0,) and comparison.broke == (1,)
    for i in a:
        assert (i in comparison.fixed) == (passed(b[i]) is True and passed(a[i]) is False)
