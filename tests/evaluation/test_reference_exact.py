"""The plain-Python scorers give the reference libraries' own floats on real data.

ROUGE against rouge-score, labels against scikit-learn, McNemar against scipy's binomtest: the
scorers were rewritten to skip seconds of imports, and must not change a single score.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tuiftune.evaluation import classification_report, mcnemar_exact, rouge
from tuiftune.evaluation.classification import predicted_label

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def _real_texts(limit: int) -> list[str]:
    """Message contents and completions from the real datasets (a few hundred, capped length)."""
    texts: list[str] = []
    for name in (
        "tweet-replies-legacy.jsonl",
        "lens-qa-legacy-raw.jsonl",
        "autograding-duplicates.jsonl",
    ):
        path = DATASETS / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            row = json.loads(line)
            parts = [row.get("prompt"), row.get("completion")]
            parts += [m.get("content") for m in row.get("messages", [])]
            texts += [p[:600] for p in parts if isinstance(p, str) and p.strip()]
    return texts[:limit]


def test_rouge_equals_rouge_score_on_real_text() -> None:
    from rouge_score import rouge_scorer  # type: ignore[import-untyped]

    texts = _real_texts(400)
    if len(texts) < 50:
        pytest.skip("the shared datasets are not here")
    rng = random.Random(7)
    direct = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    for _ in range(300):
        pred, ref = rng.choice(texts), rng.choice(texts)
        expected = direct.score(ref, pred)
        got = rouge(pred, ref)
        assert got == {k: expected[k].fmeasure for k in ("rouge1", "rouge2", "rougeL")}


def test_rouge_loads_no_nltk_package_and_leaves_it_importable() -> None:
    code = (
        "import sys\n"
        "from tuiftune.evaluation import rouge\n"
        "print(rouge('running runners', 'the runner runs')['rouge1'])\n"
        "assert 'nltk' not in sys.modules and 'scipy' not in sys.modules, sorted(sys.modules)\n"
        "import nltk\n"
        "from nltk.stem.porter import PorterStemmer\n"
        "assert hasattr(nltk, 'word_tokenize') and PorterStemmer().stem('running') == 'run'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) > 0


def test_classification_equals_sklearn_over_many_runs() -> None:
    from sklearn import metrics  # type: ignore[import-untyped]

    labels = ("account", "billing", "feedback", "shipping", "technical")
    rng = random.Random(11)
    for _ in range(40):
        n = rng.randint(4, 120)
        refs = [rng.choice(labels[: rng.randint(2, 5)]) for _ in range(n)]
        outs = [r if rng.random() < 0.5 else rng.choice([*labels, "no idea"]) for r in refs]
        report = classification_report(refs, outs, labels)
        y_pred = [predicted_label(o, labels) for o in outs]
        p, r, f, s = metrics.precision_recall_fscore_support(
            refs, y_pred, labels=list(labels), zero_division=0
        )
        got = [(c.precision, c.recall, c.f1, c.support) for c in report.per_class]
        assert got == pytest.approx(list(zip(p, r, f, s, strict=True)), abs=1e-15)
        assert report.accuracy == metrics.accuracy_score(refs, y_pred)
        macro = metrics.f1_score(
            refs, y_pred, labels=list(labels), average="macro", zero_division=0
        )
        assert report.macro_f1 == pytest.approx(macro, abs=1e-15)
        matrix = metrics.confusion_matrix(refs, y_pred, labels=list(report.matrix_labels))
        assert [list(row) for row in report.confusion] == matrix.tolist()


def test_mcnemar_equals_binomtest() -> None:
    from scipy.stats import binomtest  # type: ignore[import-untyped]

    for only_a in range(0, 40, 3):
        for only_b in range(0, 60, 7):
            if only_a + only_b == 0:
                continue
            a = [True] * only_a + [False] * only_b + [True] * 5
            b = [False] * only_a + [True] * only_b + [True] * 5
            expected = binomtest(only_b, only_a + only_b, 0.5).pvalue
            assert mcnemar_exact(a, b) == pytest.approx(expected, rel=1e-12)
