"""The dataset core: formats, the document model, lint rules, tokens, costs and lossless I/O.

Pure domain code: no network and no Textual.
"""

from tuiftune.dataset.costs import CostEstimate, auto_epochs, estimate
from tuiftune.dataset.document import Document
from tuiftune.dataset.findings import Finding, Fix, ReportedFinding, Severity
from tuiftune.dataset.formats import Format
from tuiftune.dataset.io import FileChangedError, load_bytes, load_document, save_document
from tuiftune.dataset.linter import LintCancelled, Linter
from tuiftune.dataset.options import LintOptions
from tuiftune.dataset.report import LintReport, Stats, build_report, lint_document, lint_file

__all__ = [
    "CostEstimate",
    "Document",
    "FileChangedError",
    "Finding",
    "Fix",
    "Format",
    "LintCancelled",
    "LintOptions",
    "LintReport",
    "Linter",
    "ReportedFinding",
    "Severity",
    "Stats",
    "auto_epochs",
    "build_report",
    "estimate",
    "lint_document",
    "lint_file",
    "load_bytes",
    "load_document",
    "save_document",
]
