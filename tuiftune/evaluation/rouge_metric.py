"""ROUGE-1/2/L exactly as rouge-score computes them, without importing rouge-score or nltk.

rouge-score imports nltk, whose package ``__init__`` pulls in scipy, scikit-learn and most of
nltk (3-5 s on a cold start) when all ROUGE needs is the Porter stemmer. The stemmer here is
nltk's own ``PorterStemmer`` (default mode, as rouge-score builds it), loaded from its module
file with only the three small modules it imports; tokenising, n-gram counts and the LCS table
follow rouge-score 0.1.2 line by line, so the scores are the same floats.
"""

from __future__ import annotations

import collections
import functools
import importlib
import importlib.util
import re
import sys
import threading
import types
from collections.abc import Sequence
from typing import Any

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")

_NON_ALPHANUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_VALID_TOKEN = re.compile(r"^[a-z0-9]+$")
# The modules nltk/stem/porter.py imports (besides itself), all free of other nltk imports.
_PORTER_MODULES = ("nltk.redos", "nltk.stem.api", "nltk.termsec", "nltk.stem.porter")
_LOAD_LOCK = threading.Lock()


def _porter_module() -> Any:
    """nltk's ``nltk.stem.porter`` module, imported without running nltk's package ``__init__``.

    Empty placeholder packages stand in for ``nltk`` and ``nltk.stem`` while the four modules
    load; all six entries leave ``sys.modules`` afterwards, so a later ``import nltk`` is the
    real, complete package.
    """
    # Under the lock: while one thread loads, the half-run module is in sys.modules, and an eval
    # killed and restarted had its new preload thread take it (no PorterStemmer yet).
    with _LOAD_LOCK:
        if "nltk.stem.porter" in sys.modules:  # nltk was imported for real: use it
            # Waits if another thread is still running that import.
            return importlib.import_module("nltk.stem.porter")
        spec = importlib.util.find_spec("nltk")
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError("ROUGE needs nltk's Porter stemmer: pip install nltk")
        root = list(spec.submodule_search_locations)
        names = ("nltk", "nltk.stem", *_PORTER_MODULES)
        package = types.ModuleType("nltk")
        package.__path__ = root
        stem = types.ModuleType("nltk.stem")
        stem.__path__ = [f"{path}/stem" for path in root]
        saved = {name: sys.modules.get(name) for name in names}
        sys.modules["nltk"], sys.modules["nltk.stem"] = package, stem
        try:
            return importlib.import_module("nltk.stem.porter")
        finally:
            for name, module in saved.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module


@functools.cache
def _stemmer() -> Any:
    # rouge-score's DefaultTokenizer(use_stemmer=True) builds PorterStemmer() with its defaults.
    return _porter_module().PorterStemmer()


def load() -> None:
    """Load the stemmer now (a fraction of a second); blocking, for a background thread."""
    _stemmer()


def loaded() -> bool:
    """Whether ``load`` has nothing left to do."""
    return _stemmer.cache_info().currsize > 0


@functools.lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[str, ...]:
    """rouge-score's tokens: lowercase alphanumeric runs, words over 3 letters Porter-stemmed.

    Memoised: references and stock answers repeat across an eval, and stemming is most of
    ROUGE's cost.
    """
    stem = _stemmer().stem
    words = _SPACES.split(_NON_ALPHANUM.sub(" ", text.lower()))
    stemmed = [stem(word) if len(word) > 3 else word for word in words]
    return tuple(word for word in stemmed if _VALID_TOKEN.match(word))


def _fmeasure(precision: float, recall: float) -> float:
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def _ngrams(tokens: Sequence[str], n: int) -> collections.Counter[tuple[str, ...]]:
    return collections.Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _ngram_f(target: Sequence[str], prediction: Sequence[str], n: int) -> float:
    want, got = _ngrams(target, n), _ngrams(prediction, n)
    overlap = sum(min(count, got[gram]) for gram, count in want.items())
    precision = overlap / max(sum(got.values()), 1)
    recall = overlap / max(sum(want.values()), 1)
    return _fmeasure(precision, recall)


def _lcs_length(ref: Sequence[str], can: Sequence[str]) -> int:
    # One row of rouge-score's table at a time: the same recurrence, O(len(can)) memory.
    previous = [0] * (len(can) + 1)
    for token in ref:
        row = [0]
        for j, other in enumerate(can, 1):
            row.append(previous[j - 1] + 1 if token == other else max(previous[j], row[j - 1]))
        previous = row
    return previous[-1]


def _lcs_f(target: Sequence[str], prediction: Sequence[str]) -> float:
    if not target or not prediction:
        return 0.0
    length = _lcs_length(target, prediction)
    return _fmeasure(length / len(prediction), length / len(target))


def rouge(prediction: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L F-measures (stemmed), as ``RougeScorer(types, use_stemmer=True)``."""
    target, predicted = tokenize(reference), tokenize(prediction)
    return {
        "rouge1": _ngram_f(target, predicted, 1),
        "rouge2": _ngram_f(target, predicted, 2),
        "rougeL": _lcs_f(target, predicted),
    }
