"""The Eval screen's answer length: bounded by the test set's references, so a local base model
that never writes its end-of-turn token cannot run every answer to its context length."""

from __future__ import annotations

from tests.conftest import SAMPLES
from tuiftune.evaluation.examples import EvalExample, load_test_set
from tuiftune.service.evals_options import answer_budget


def test_labels_get_the_floor_and_long_references_room() -> None:
    labels = [EvalExample(i, label) for i, label in enumerate(["billing", "technical"])]
    assert answer_budget(labels) == 64
    essay = [EvalExample(0, "x" * 1000), *labels]
    assert answer_budget(essay) == 532  # ~250 tokens of reference, twice over, plus 32
    assert answer_budget([]) == 64


async def test_the_triage_test_set_is_bounded_to_a_few_dozen_tokens() -> None:
    test_set = await load_test_set(SAMPLES / "ticket-triage-test.jsonl")
    assert answer_budget(test_set.examples) == 64
