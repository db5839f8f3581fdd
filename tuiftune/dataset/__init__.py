"""The dataset core: formats, the document model, lint rules, tokens, costs and lossless I/O.

Pure domain code: no network and no Textual. The names below load on first use: importing one
submodule (the editor's lint worker, ``dataset.options`` at start-up) then costs that module
alone, not the whole core (40-70 ms of imports).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tuiftune.dataset.costs import CostEstimate, auto_epochs, estimate
    from tuiftune.dataset.document import Document
    from tuiftune.dataset.findings import Finding, Fix, ReportedFinding, Severity
    from tuiftune.dataset.formats import Format
    from tuiftune.dataset.io import FileChangedError, load_bytes, load_document, save_document
    from tuiftune.dataset.linter import LintCancelled, Linter
    from tuiftune.dataset.options import LintOptions
    from tuiftune.dataset.report import LintReport, Stats, build_report, lint_document, lint_file

_WHERE = {
    "costs": ("CostEstimate", "auto_epochs", "estimate"),
    "document": ("Document",),
    "findings": ("Finding", "Fix", "ReportedFinding", "Severity"),
    "formats": ("Format",),
    "io": ("FileChangedError", "load_bytes", "load_document", "save_document"),
    "linter": ("LintCancelled", "Linter"),
    "options": ("LintOptions",),
    "report": ("LintReport", "Stats", "build_report", "lint_document", "lint_file"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

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


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
