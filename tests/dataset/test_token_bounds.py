"""``LintOptions(exact_tokens=False)``: byte bounds instead of token counts, the same findings.

The eval's test set is linted this way (no tokenizer for most files); every record-level
finding must be what the exact lint reports, the limit findings included.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tuiftune.dataset import LintOptions, LintReport, lint_file
from tuiftune.evaluation import load_test_set

Get = Callable[[str], Path]
REAL = (
    "openai-cookbook-toy-chat.jsonl",
    "openai-cookbook-drone-tools.jsonl",
    "autograding-duplicates.jsonl",
    "blogchat-long-conversations.jsonl",
    "salescall-dpo-bom.jsonl",
    "lens-qa-legacy-raw.jsonl",
    "web3-sharegpt-function-call.jsonl",
)


def record_findings(report: LintReport) -> list[tuple[int, str, str, str, str | None]]:
    return [
        (f.line, f.rule, f.severity.value, f.message, f.field) for f in report.findings if f.line
    ]


async def both(path: Path) -> tuple[LintReport, LintReport]:
    exact = await lint_file(path, LintOptions())
    bounded = await lint_file(path, LintOptions(exact_tokens=False))
    return exact, bounded


@pytest.mark.parametrize("name", REAL)
async def test_real_files_get_the_same_findings(shared_dataset: Get, name: str) -> None:
    exact, bounded = await both(shared_dataset(name))
    assert record_findings(bounded) == record_findings(exact)
    assert bounded.stats.examples == exact.stats.examples
    assert bounded.stats.tokens_estimated
    # Bounds are never below the counts they stand for.
    assert bounded.stats.tokens.total >= exact.stats.tokens.total


def chat(user: str) -> dict[str, object]:
    return {
        "messages": [
            {"role": "user", "content": user},
            {"role": "assistant", "content": "ok"},
        ]
    }


async def test_records_near_and_over_the_limit(tmp_path: Path) -> None:
    rows = [
        chat("hello"),
        chat("word " * 70_000),  # about 70k tokens: over gpt-4o-mini's 65,536
        chat("word " * 20_000),  # 100 kB of bytes (over the limit as a bound), 20k tokens
        chat("漢" * 30_000),  # 3 bytes a character
        {"messages": [{"role": "user", "content": "a" * 70_000}, {"role": "assistant"}]},
    ]
    path = tmp_path / "long.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.append(
        '{"messages": [{"role": "user", "content": "\\ud800 lone"}, '
        '{"role": "assistant", "content": "x"}]}'
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    exact, bounded = await both(path)
    over = [f for f in record_findings(exact) if f[1] == "tokens.over_limit"]
    assert [f[0] for f in over] == [2]
    assert record_findings(bounded) == record_findings(exact)
    # The record over the limit was counted exactly: its figure is the exact one.
    assert bounded.stats.tokens.max == exact.stats.tokens.max


async def test_test_set_skips_what_the_lint_errors_name(tmp_path: Path) -> None:
    rows = [chat("hello"), chat("word " * 70_000), chat("bye")]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    test_set = await load_test_set(path)
    exact = await lint_file(path)
    errors = sorted({f.line for f in exact.findings if f.line and f.severity.value == "error"})
    assert sorted(s.line for s in test_set.skipped) == errors == [2]
    assert [ex.reference for ex in test_set.examples] == ["ok", "ok"]
