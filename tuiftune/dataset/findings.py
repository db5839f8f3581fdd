"""Findings: what a lint rule reports about one record or the whole file."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is; errors make OpenAI reject the file."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse, for sorting and status gutters."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Fix:
    """A safe, mechanical change that resolves a finding.

    ``kind`` names the transformation in ``tuiftune.dataset.fixes``; ``arg`` is its parameter
    (the stop sequence to append, for instance).
    """

    kind: str
    description: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one record (or the file), without its line number.

    Line numbers are not stored because records move when others are inserted or deleted;
    the linter attaches the current line when it reports.
    """

    rule: str
    severity: Severity
    message: str
    field: str | None = None
    fix: Fix | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class ReportedFinding:
    """A finding located at its current 1-based line (0 for file-level findings)."""

    line: int
    rule: str
    severity: Severity
    message: str
    field: str | None
    fixable: bool
    column: int | None = None
    fix: Fix | None = None

    @classmethod
    def at(cls, line: int, finding: Finding) -> ReportedFinding:
        """Attach a line number to a finding."""
        return cls(
            line=line,
            rule=finding.rule,
            severity=finding.severity,
            message=finding.message,
            field=finding.field,
            fixable=finding.fix is not None,
            column=finding.column,
            fix=finding.fix,
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of ``tuiftune lint --format json``."""
        return {
            "line": self.line,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "field": self.field,
            "fixable": self.fixable,
        }


def err(rule: str, message: str, path: str | None, fix: Fix | None = None) -> Finding:
    """An error finding."""
    return Finding(rule, Severity.ERROR, message, path, fix)


def warn(rule: str, message: str, path: str | None, fix: Fix | None = None) -> Finding:
    """A warning finding."""
    return Finding(rule, Severity.WARNING, message, path, fix)


def info(rule: str, message: str, path: str | None) -> Finding:
    """An informational finding."""
    return Finding(rule, Severity.INFO, message, path)
