"""Options that change what the linter reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LintOptions:
    """Model for tokens/limits/costs (default by format), and a forced separator/stop sequence."""

    model: str | None = None
    separator: str | None = None
    stop: str | None = None
