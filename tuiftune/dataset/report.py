"""Lint reports: the findings and statistics of one file, for the CLI, the server and the UI."""

from __future__ import annotations

import bisect
import itertools
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tuiftune.dataset.costs import CostEstimate, estimate_counts
from tuiftune.dataset.dataset_rules import label_counts
from tuiftune.dataset.document import Document
from tuiftune.dataset.findings import Severity
from tuiftune.dataset.io import read_document
from tuiftune.dataset.linter import Linter, LintProgress
from tuiftune.dataset.options import LintOptions
from tuiftune.dataset.report_findings import ReportedFindings
from tuiftune.dataset.worker import in_lint_thread


@dataclass(frozen=True, slots=True)
class TokenStats:
    """The distribution of tokens per example."""

    total: int = 0
    min: int = 0
    median: float = 0.0
    p95: int = 0
    max: int = 0

    @classmethod
    def of(cls, values: list[int]) -> TokenStats:
        """Summarise a list of per-example token counts."""
        return cls.of_counts(Counter(values))

    @classmethod
    def of_counts(cls, counts: Mapping[int, int]) -> TokenStats:
        """Summarise how many examples have each token count: the figures ``statistics`` gives
        for the sorted list (median; the inclusive 20-quantile's 19th as p95), without the list
        (a million Python ints, 36 MB, at the peak of a large lint)."""
        ranked = _Ranked(counts)
        n = len(ranked)
        if n == 0:
            return cls()
        if n % 2:
            median: float = ranked[n // 2]
        else:
            median = (ranked[n // 2 - 1] + ranked[n // 2]) / 2
        if n > 1:
            j, delta = divmod(19 * (n - 1), 20)
            p95 = round((ranked[j] * (20 - delta) + ranked[j + 1] * delta) / 20)
        else:
            p95 = ranked[0]
        total = sum(t * k for t, k in counts.items())
        return cls(total, ranked[0], median, p95, ranked[n - 1])


class _Ranked:
    """The k-th smallest value of a histogram, as indexing a sorted list would give it."""

    def __init__(self, counts: Mapping[int, int]) -> None:
        self._values = sorted(v for v, k in counts.items() if k > 0)
        self._ends = list(itertools.accumulate(counts[v] for v in self._values))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __getitem__(self, k: int) -> int:
        return self._values[bisect.bisect_right(self._ends, k)]


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts, tokens and cost of one file."""

    records: int
    examples: int
    formats: dict[str, int]
    severities: dict[str, int]
    tokens: TokenStats
    over_limit: int
    model: str
    encoding: str
    example_limit: int
    tokens_estimated: bool
    cost: CostEstimate
    labels: dict[str, int] | None = None

    @property
    def total_tokens(self) -> int:
        """Training tokens of one epoch (before truncation)."""
        return self.tokens.total

    def to_dict(self) -> dict[str, object]:
        """JSON-ready statistics."""
        return {
            "records": self.records,
            "examples": self.examples,
            "formats": self.formats,
            "severities": self.severities,
            "tokens": {
                "total": self.tokens.total,
                "min": self.tokens.min,
                "median": self.tokens.median,
                "p95": self.tokens.p95,
                "max": self.tokens.max,
                "over_limit": self.over_limit,
                "estimated": self.tokens_estimated,
                "approximate": True,
            },
            "model": self.model,
            "encoding": self.encoding,
            "example_limit": self.example_limit,
            "billing_tokens_per_epoch": self.cost.billing_tokens_per_epoch,
            "epochs": self.cost.epochs,
            "billing_tokens": self.cost.billing_tokens,
            "price_per_million": self.cost.price_per_million,
            "estimated_cost_usd": None if self.cost.cost is None else round(self.cost.cost, 4),
            "labels": self.labels,
        }


@dataclass(slots=True)
class LintReport:
    """The findings and statistics of a linted document."""

    path: str
    format: str
    findings: ReportedFindings
    stats: Stats
    linter: Linter | None = field(default=None, repr=False)

    @property
    def records(self) -> int:
        """Examples in the file."""
        return self.stats.examples

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return self.findings.count_of(Severity.ERROR)

    @property
    def warnings(self) -> int:
        """How many findings are warnings."""
        return self.findings.count_of(Severity.WARNING)

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of ``tuiftune lint --format json`` for one file."""
        return {
            "path": self.path,
            "format": self.format,
            "records": self.records,
            "findings": [f.to_dict() for f in self.findings],
            "stats": self.stats.to_dict(),
        }


def build_report(linter: Linter, prices: Mapping[str, float] | None = None) -> LintReport:
    """Collect a linted document's findings and statistics."""
    doc = linter.doc
    # The report lists its findings, so their context is built here once for both.
    findings = ReportedFindings(linter.iter_reported, linter.reported_severities(reading=True))
    tokens = Counter(linter.token_values())
    model = linter.model
    labels = label_counts(linter)
    stats = Stats(
        records=len(doc),
        examples=linter.examples(),
        formats={f.value: n for f, n in linter.format_counts().items()},
        severities={s.value: findings.count_of(s) for s in Severity},
        tokens=TokenStats.of_counts(tokens),
        over_limit=sum(k for t, k in tokens.items() if t > model.example_limit),
        model=model.name,
        encoding=model.encoding,
        example_limit=model.example_limit,
        tokens_estimated=linter.tokens_estimated,
        cost=estimate_counts(model.name, tokens, model.example_limit, overrides=prices),
        labels=dict(labels.most_common()) if labels else None,
    )
    return LintReport(str(doc.path or ""), linter.main_format.value, findings, stats, linter)


def lint_document(
    doc: Document,
    options: LintOptions | None = None,
    progress: LintProgress | None = None,
    cancel: threading.Event | None = None,
    prices: Mapping[str, float] | None = None,
) -> LintReport:
    """Lint a document synchronously (CPU-bound: call it through ``asyncio.to_thread``)."""
    linter = Linter(doc, options)
    linter.run(progress, cancel)
    return build_report(linter, prices)


async def lint_file(
    path: str | Path,
    options: LintOptions | None = None,
    progress: LintProgress | None = None,
    cancel: threading.Event | None = None,
    prices: Mapping[str, float] | None = None,
) -> LintReport:
    """Load and lint a file without blocking the event loop."""
    # One hop to the lint thread, reading there too: the read starts before anything else the
    # caller scheduled gets the loop (eval opens its provider, a second of imports, meanwhile).
    return await in_lint_thread(_read_and_lint, Path(path), options, progress, cancel, prices)


def _read_and_lint(
    path: Path,
    options: LintOptions | None,
    progress: LintProgress | None,
    cancel: threading.Event | None,
    prices: Mapping[str, float] | None,
) -> LintReport:
    return lint_document(read_document(path), options, progress, cancel, prices)
