"""Per-example and corpus metrics: exact match, token F1, BLEU (sacrebleu), ROUGE (rouge-score's).

The reference libraries are imported on first use, so that a CLI that only wants exact match
does not pay for them; ROUGE is ``evaluation.rouge_metric`` (rouge-score's results without its nltk
import, which took seconds).
"""

from __future__ import annotations

import collections
import functools
import importlib
import re
import string
from collections.abc import Iterable, Sequence
from typing import Any

from tuiftune.evaluation.rouge_metric import ROUGE_TYPES
from tuiftune.evaluation.rouge_metric import load as load_rouge
from tuiftune.evaluation.rouge_metric import loaded as rouge_loaded
from tuiftune.evaluation.rouge_metric import rouge as rouge_scores

METRIC_GROUPS: dict[str, tuple[str, ...]] = {
    "em": ("em", "em_norm"),
    "f1": ("f1",),
    "bleu": ("bleu",),
    "rouge": ROUGE_TYPES,
    "class": (),  # aggregate only: accuracy, per-class P/R/F1, confusion matrix
}
DEFAULT_METRICS: tuple[str, ...] = tuple(METRIC_GROUPS)
BINARY_METRICS = frozenset({"em", "em_norm"})

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = frozenset(string.punctuation)

Scores = dict[str, float | None]


class UnknownMetricError(ValueError):
    """A metric name that ``parse_metrics`` does not know."""


def parse_metrics(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """Metric groups from ``"em,f1,bleu"`` (or a list); None gives every group."""
    if spec is None:
        return DEFAULT_METRICS
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        if name not in METRIC_GROUPS:
            known = ", ".join(METRIC_GROUPS)
            raise UnknownMetricError(f"unknown metric {raw.strip()!r} (known: {known})")
        if name not in out:
            out.append(name)
    if not out:
        raise UnknownMetricError("no metric given")
    return tuple(out)


def score_keys(groups: Sequence[str]) -> tuple[str, ...]:
    """The per-example score keys the given metric groups produce, in a stable order."""
    return tuple(key for group in groups for key in METRIC_GROUPS[group])


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lowercase, drop punctuation and articles, collapse whitespace."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, reference: str) -> float:
    """1.0 when equal after stripping surrounding whitespace only, else 0.0."""
    return float(prediction.strip() == reference.strip())


def exact_match_normalized(prediction: str, reference: str) -> float:
    """1.0 when equal after SQuAD normalisation (``normalize_answer``), else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(reference))


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1 over normalised tokens (1.0 when both are empty)."""
    pred = normalize_answer(prediction).split()
    ref = normalize_answer(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = collections.Counter(pred) & collections.Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred)
    recall = same / len(ref)
    return 2 * precision * recall / (precision + recall)


@functools.cache
def _sentence_bleu_metric() -> Any:
    # The same settings as ``sacrebleu.sentence_bleu``: exp smoothing, effective order.
    import sacrebleu

    return sacrebleu.BLEU(effective_order=True)


def sentence_bleu(prediction: str, reference: str) -> float:
    """sacrebleu's sentence BLEU (0-100), as ``sacrebleu.sentence_bleu(pred, [ref])``."""
    return float(_sentence_bleu_metric().sentence_score(prediction, [reference]).score)


def corpus_bleu(predictions: Sequence[str], references: Sequence[str]) -> float:
    """sacrebleu's corpus BLEU (0-100) with one reference per prediction."""
    import sacrebleu

    if not predictions:
        return 0.0
    return float(sacrebleu.corpus_bleu(list(predictions), [list(references)]).score)


def rouge(prediction: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L F-measures as rouge-score gives them (stemmed), keyed rouge1, rouge2, rougeL."""
    return rouge_scores(prediction, reference)


def score_example(prediction: str, reference: str, groups: Sequence[str]) -> Scores:
    """Every per-example score of the chosen metric groups."""
    out: Scores = {}
    if "em" in groups:
        out["em"] = exact_match(prediction, reference)
        out["em_norm"] = exact_match_normalized(prediction, reference)
    if "f1" in groups:
        out["f1"] = token_f1(prediction, reference)
    if "bleu" in groups:
        out["bleu"] = sentence_bleu(prediction, reference)
    if "rouge" in groups:
        out.update(rouge(prediction, reference))
    return out


def preload_metrics(groups: Sequence[str]) -> None:
    """Import and build the scorers ``groups`` need (sacrebleu, the Porter stemmer).

    Blocking: a caller on an event loop runs it in a thread, before the first request.
    """
    if "bleu" in groups:
        _sentence_bleu_metric()
    if "rouge" in groups:
        load_rouge()


def metrics_loaded(groups: Sequence[str]) -> bool:
    """Whether ``preload_metrics(groups)`` has nothing left to do."""
    bleu = "bleu" not in groups or _sentence_bleu_metric.cache_info().currsize > 0
    return bleu and ("rouge" not in groups or rouge_loaded())


def preload_summary(groups: Sequence[str], models: int) -> None:
    """Import what the end-of-run summary needs (numpy for the paired bootstrap).

    Blocking; meant for a background thread. Labels and McNemar are plain Python (scikit-learn
    and scipy took seconds to import, holding the GIL while the run was paying for answers).
    """
    if models == 2:
        importlib.import_module("numpy")
