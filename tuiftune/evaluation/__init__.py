"""Scoring model outputs against a test set: pure, no network, no Textual.

Modules: ``examples`` (test sets from linted JSONL), ``metrics`` (exact match, token F1,
sacrebleu BLEU, rouge-score ROUGE), ``classification`` (scikit-learn metrics for label sets),
``paired`` (two models: wins/losses/ties, McNemar, paired bootstrap), ``results`` (the results
JSONL line), ``summary`` (aggregation), ``judge`` (LLM-as-judge prompt and parsing), ``reports``
(CSV, JSON, Markdown).
"""

from tuiftune.evaluation.classification import (
    OTHER,
    ClassificationReport,
    classification_report,
    detect_labels,
)
from tuiftune.evaluation.examples import (
    EvalExample,
    Skipped,
    TestSet,
    build_test_set,
    load_test_set,
)
from tuiftune.evaluation.judge import Rubric, judge_messages, parse_judge_score
from tuiftune.evaluation.metrics import (
    DEFAULT_METRICS,
    METRIC_GROUPS,
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
from tuiftune.evaluation.paired import (
    MetricComparison,
    PairedComparison,
    compare_models,
    mcnemar_exact,
    paired_bootstrap,
)
from tuiftune.evaluation.reports import to_csv, to_json, to_markdown
from tuiftune.evaluation.results import EvalResult, ParsedResults, parse_results
from tuiftune.evaluation.summary import EvalSummary, ModelSummary, summarize

__all__ = [
    "DEFAULT_METRICS",
    "METRIC_GROUPS",
    "OTHER",
    "ClassificationReport",
    "EvalExample",
    "EvalResult",
    "EvalSummary",
    "MetricComparison",
    "ModelSummary",
    "PairedComparison",
    "ParsedResults",
    "Rubric",
    "Skipped",
    "TestSet",
    "UnknownMetricError",
    "build_test_set",
    "classification_report",
    "compare_models",
    "corpus_bleu",
    "detect_labels",
    "exact_match",
    "exact_match_normalized",
    "judge_messages",
    "load_test_set",
    "mcnemar_exact",
    "normalize_answer",
    "paired_bootstrap",
    "parse_judge_score",
    "parse_metrics",
    "parse_results",
    "rouge",
    "score_example",
    "score_keys",
    "sentence_bleu",
    "summarize",
    "to_csv",
    "to_json",
    "to_markdown",
    "token_f1",
]
