"""Small builders for dataset tests."""

from __future__ import annotations

import json
from typing import Any

from tuiftune.dataset import LintOptions, LintReport, lint_document, load_bytes


def jsonl(*records: Any, eol: str = "\n") -> bytes:
    """Serialize records (str items are taken as raw lines) into JSONL bytes."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    return (eol.join(lines) + eol).encode("utf-8")


def chat(
    user: str = "Hi", answer: str = "Hello!", system: str | None = "Be brief."
) -> dict[str, Any]:
    """A valid chat example."""
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


def many_chats(n: int) -> list[dict[str, Any]]:
    """``n`` distinct valid chat examples."""
    return [chat(f"Question number {i}?", f"Answer number {i}.") for i in range(n)]


def lint_bytes(data: bytes, **options: Any) -> LintReport:
    """Lint bytes in memory."""
    return lint_document(load_bytes(data, "test.jsonl"), LintOptions(**options))


def rules_at(report: LintReport, line: int) -> set[str]:
    """Rule ids reported on one line."""
    return {f.rule for f in report.findings if f.line == line}


def lines_of(report: LintReport, rule: str) -> list[int]:
    """Lines where a rule fired."""
    return [f.line for f in report.findings if f.rule == rule]
