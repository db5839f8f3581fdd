"""Metric values equal those of sacrebleu and rouge-score called directly on the same pairs."""

from __future__ import annotations

import pytest
import sacrebleu
from rouge_score import rouge_scorer  # type: ignore[import-untyped]

from tuiftune.evaluation import (
    UnknownMetricError,
    corpus_bleu,
    exact_match,
    exact_match_normalized,
    normalize_answer,
    parse_metrics,
    rouge,
    score_example,
    score_keys,
    sentence_bleu,
    token_f1,
)

PAIRS = [
    ("The cat sat on the mat.", "The cat is sitting on the mat."),
    ("billing", "billing"),
    ("Billing.", "billing"),
    ("", "something"),
    ("something", ""),
    ("", ""),
    ("a b c d e f g", "a b c d e f g"),
    ("Paris is the capital of France", "The capital of France is Paris"),
    ("Reset it by holding the button for 10 seconds", "Hold the button for ten seconds to reset"),
    ("Größe: 42 — très bien", "Größe 42, très bien"),
    ("running runners ran", "run runner running"),
    ("[bold]x[/bold] | y", "x | y"),
    ("one\ntwo\tthree", "one two three"),
]


@pytest.mark.parametrize(("pred", "ref"), PAIRS)
def test_sentence_bleu_matches_sacrebleu(pred: str, ref: str) -> None:
    assert sentence_bleu(pred, ref) == pytest.approx(sacrebleu.sentence_bleu(pred, [ref]).score)


@pytest.mark.parametrize(("pred", "ref"), PAIRS)
def test_rouge_matches_rouge_score(pred: str, ref: str) -> None:
    direct = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    expected = direct.score(ref, pred)
    got = rouge(pred, ref)
    for name in ("rouge1", "rouge2", "rougeL"):
        assert got[name] == pytest.approx(expected[name].fmeasure)


def test_corpus_bleu_matches_sacrebleu() -> None:
    preds = [p for p, _ in PAIRS]
    refs = [r for _, r in PAIRS]
    assert corpus_bleu(preds, refs) == pytest.approx(sacrebleu.corpus_bleu(preds, [refs]).score)
    assert corpus_bleu([], []) == 0.0


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("The Cat!", "cat"),
        ("  an   apple, a pear  ", "apple pear"),
        ("Theory of the art", "theory of art"),
        ("A.B.C", "abc"),
        ("", ""),
    ],
)
def test_squad_normalisation(text: str, normal: str) -> None:
    assert normalize_answer(text) == normal


def test_exact_match_raw_and_normalised() -> None:
    assert exact_match("billing\n", " billing") == 1.0
    assert exact_match("Billing", "billing") == 0.0
    assert exact_match_normalized("The Billing.", "billing") == 1.0
    assert exact_match_normalized("billing team", "billing") == 0.0


def test_token_f1_squad_values() -> None:
    assert token_f1("the cat sat", "a cat sat down") == pytest.approx(
        2 * (1.0 * 2 / 3) / (1 + 2 / 3)
    )
    assert token_f1("", "") == 1.0
    assert token_f1("x", "") == 0.0
    assert token_f1("dog", "cat") == 0.0
    assert token_f1("cat cat", "cat") == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_score_example_keys_follow_groups() -> None:
    scores = score_example("billing", "billing", ("em", "rouge"))
    assert list(scores) == ["em", "em_norm", "rouge1", "rouge2", "rougeL"]
    assert score_keys(("f1", "bleu", "class")) == ("f1", "bleu")


def test_parse_metrics() -> None:
    assert parse_metrics("em, F1,em") == ("em", "f1")
    assert parse_metrics(None) == ("em", "f1", "bleu", "rouge", "class")
    with pytest.raises(UnknownMetricError, match="meteor"):
        parse_metrics("em,meteor")
    with pytest.raises(UnknownMetricError):
        parse_metrics(" , ")
