"""Lint reports: the findings and statistics of one file, for the CLI, the server and the UI."""

from __future__ import annotations

import statistics
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tuiftune.dataset.costs import CostEstimate, estimate
from tuiftune.dataset.dataset_rules import label_counts
from tuiftune.dataset.document import Document
from tuiftune.dataset.findings import ReportedFinding, Severity
from tuiftune.dataset.io import read_document
from tuiftune.dataset.linter import Linter, LintProgress
from tuiftune.dataset.options import LintOptions
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
        if not values:
            return cls()
        ordered = sorted(values)
        p95 = (
            round(statistics.quantiles(ordered, n=20, method="inclusive")[18])
            if len(ordered) > 1
            else ordered[0]
        )
        return cls(sum(ordered), ordered[0], statistics.median(ordered), p95, ordered[-1])


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
    findings: list[ReportedFinding]
    stats: Stats
    linter: Linter | None = field(default=None, repr=False)

    @property
    def records(self) -> int:
        """Examples in the file."""
        return self.stats.examples

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        """How many findings are warnings."""
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

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
    findings = list(linter.iter_reported())
    tokens = linter.token_values()
    model = linter.model
    severities = Counter(f.severity.value for f in findings)
    labels = label_counts(linter)
    stats = Stats(
        records=len(doc),
        examples=linter.examples(),
        formats={f.value: n for f, n in linter.format_counts().items()},
        severities={s.value: severities.get(s.value, 0) for s in Severity},
        tokens=TokenStats.of(tokens),
        over_limit=sum(1 for t in tokens if t > model.example_limit),
        model=model.name,
        encoding=model.encoding,
        example_limit=model.example_limit,
        tokens_estimated=linter.tokens_estimated,
        cost=estimate(model.name, tokens, model.example_limit, overrides=prices),
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
