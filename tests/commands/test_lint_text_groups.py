"""``tuiftune lint``'s text report streams its findings by rule: the same counts, lines shown and
"N more on lines ..." as grouping every finding in lists gives, added findings out of line
order included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tuiftune.commands.lint import SHOWN_PER_RULE, _groups
from tuiftune.dataset import LintReport, ReportedFinding, Severity, lint_file


def held(report: LintReport) -> list[tuple[str, int, bool, list[int], int, list[int]]]:
    """Per rule, from lists of every finding: count, fixable, shown lines, hidden, first rest."""
    groups: dict[str, list[ReportedFinding]] = {}
    for f in report.findings:
        groups.setdefault(f.rule, []).append(f)
    order = sorted(groups.values(), key=lambda fs: (-fs[0].severity.rank, fs[0].line))
    out = []
    for fs in order:
        hidden = fs[SHOWN_PER_RULE:]
        rest = list(dict.fromkeys(f.line for f in hidden))
        out.append(
            (
                fs[0].rule,
                len(fs),
                any(f.fixable for f in fs),
                [f.line for f in fs[:SHOWN_PER_RULE]],
                len(hidden),
                [*rest[:12], len(rest)],
            )
        )
    return out


def streamed(report: LintReport) -> list[tuple[str, int, bool, list[int], int, list[int]]]:
    return [
        (
            g.first.rule,
            g.count,
            g.fixable,
            [f.line for f in g.shown],
            g.hidden,
            [*g.rest, g.distinct],
        )
        for g in _groups(report, show_all=False)
    ]


async def test_streamed_groups_equal_held_ones(shared_dataset: Callable[[str], Path]) -> None:
    report = await lint_file(shared_dataset("flaky-tests-chat-large.jsonl"))
    assert streamed(report) == held(report)
    rule = next(f.rule for f in report.findings if f.line > 50)
    # A provider's rules are added at the front and the end, in any line order.
    report.findings[:0] = [ReportedFinding(40, rule, Severity.WARNING, "front", None, True)]
    report.findings.extend(
        ReportedFinding(line, rule, Severity.WARNING, "end", None, False) for line in (7, 3, 7)
    )
    assert streamed(report) == held(report)
