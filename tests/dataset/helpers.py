"""Small builders for dataset tests."""

from __future__ import annotations

import json
from typing import Any

from tuiftune.dataset import Document, LintOptions, LintReport, lint_document, load_bytes


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


def apply_edit(doc: Document, kind: str, a: int, b: int, raw: bytes) -> None:
    """Apply one generated edit (positions taken modulo the document's length)."""
    n = len(doc)
    if kind == "replace" and n:
        doc.replace(a % n, raw)
    elif kind == "insert":
        doc.insert(a % (n + 1), raw)
    elif kind == "delete" and n:
        doc.delete(a % n)
    elif kind == "move" and n:
        doc.move(a % n, b % n)
    elif kind == "undo":
        doc.undo()
    elif kind == "redo":
        doc.redo()


def hostile_lines() -> list[bytes]:
    """Records that try to break a terminal or a parser, then ten valid ones."""
    return [
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "[bold]x[/bold] [@click=app.quit]q"},
                    {"role": "assistant", "content": "\x1b[31mred\x1b[0m"},
                ]
            }
        ).encode(),
        b'{"prompt": "\xff\xfe bad bytes", "completion": " x"}',
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "y" * 5_000_000},
                    {"role": "assistant", "content": "ok"},
                ]
            }
        ).encode(),
    ] + [
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": f"q{i}"},
                    {"role": "assistant", "content": f"a{i}"},
                ]
            }
        ).encode()
        for i in range(10)
    ]
