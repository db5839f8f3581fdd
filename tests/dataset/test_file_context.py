"""The whole-file report (``iter_reported`` through ``file_context``) lists exactly what asking
each record (``findings_of``, the editor's path) gives, in file order, after any edits; and the
report's findings read the same every time without being held."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dataset.helpers import apply_edit
from tuiftune.dataset import Linter, ReportedFinding, Severity, lint_file, load_bytes
from tuiftune.dataset.file_context import FileContext, sort_conflicts, walk_conflicts
from tuiftune.dataset.report import build_report


def chat(user: str, answer: str, system: str = "sys") -> str:
    return json.dumps(
        {
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
                {"role": "assistant", "content": answer},
            ]
        }
    )


LINES = [
    chat("q1", "a"),
    chat("q1", "b"),  # same prompt, another answer: a conflict
    chat("q1", "c"),
    chat("q2", "a"),
    chat("q2", "a", "other"),
    json.dumps({"prompt": "p\n\n###\n\n", "completion": " c\n"}),  # another format: mixed
    "{bad json",
    "",
]
Row = tuple[int, str, str, str, str | None]


def per_record(linter: Linter) -> list[Row]:
    return [
        (pos + 1, f.rule, f.severity.value, f.message, f.field)
        for pos, rid in enumerate(linter.doc.ids())
        for f in linter.findings_of(rid)
    ]


def reported(findings: Iterable[ReportedFinding]) -> list[Row]:
    return [(f.line, f.rule, f.severity.value, f.message, f.field) for f in findings if f.line]


ops = st.lists(
    st.tuples(
        st.sampled_from(["replace", "insert", "delete", "move", "undo", "redo"]),
        st.integers(0, 40),
        st.integers(0, 40),
        st.sampled_from(LINES),
    ),
    max_size=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=16), ops, st.booleans())
def test_report_equals_asking_each_record(
    initial: list[str], edits: list[tuple[str, int, int, str]], bom: bool
) -> None:
    data = ("\n".join(initial) + "\n").encode()
    doc = load_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    linter = Linter(doc)
    linter.run()
    assert reported(linter.iter_reported()) == per_record(linter)  # kept until a change
    severities = linter.reported_severities  # the first count: kept as records change
    assert severities() == +Counter(f.severity for f in linter.iter_reported())
    for kind, a, b, line in edits:
        apply_edit(doc, kind, a, b, line.encode())
        assert severities() == +Counter(f.severity for f in linter.iter_reported())
        if a % 3 == 0:  # read between some edits too
            assert reported(linter.iter_reported()) == per_record(linter)
    assert reported(linter.iter_reported()) == per_record(linter)
    # Both counts of the first tally (numpy: large files) give what the context holds.
    conflicts = FileContext(linter).conflicts
    assert sort_conflicts(linter) == walk_conflicts(linter) == conflicts
    assert linter._dup_index.extra == len(FileContext(linter)._dups)


def test_conflicts_and_duplicates_name_the_lines_they_did() -> None:
    doc = load_bytes(("\n".join([*LINES[:5], LINES[0], LINES[1]]) + "\n").encode())
    linter = Linter(doc)
    linter.run()
    rows = reported(linter.iter_reported())
    assert rows == per_record(linter)
    conflicts = [(line, msg) for line, rule, _, msg, _ in rows if rule == "dataset.conflict"]
    assert conflicts[0] == (
        1,
        "same prompt as line 2 but a different completion "
        "(3 different completions for this prompt)",
    )
    assert {line for line, _ in conflicts} == {1, 2, 3, 6, 7}
    dups = [(line, msg) for line, rule, _, msg, _ in rows if rule == "dataset.duplicate"]
    assert dups == [
        (6, "exact duplicate of line 1 (2 copies)"),
        (7, "exact duplicate of line 2 (2 copies)"),
    ]


async def test_report_findings_read_the_same_each_time(
    tmp_path: Path, shared_dataset: Callable[[str], Path]
) -> None:
    report = await lint_file(shared_dataset("autograding-duplicates.jsonl"))
    first = list(report.findings)
    assert list(report.findings) == first
    assert report.findings == first and len(report.findings) == len(first)
    assert report.findings[:3] == first[:3] and report.findings[-1] == first[-1]
    errors = sum(1 for f in first if f.severity is Severity.ERROR)
    assert report.errors == errors
    extra = ReportedFinding(0, "provider.x", Severity.ERROR, "extra", None, False)
    report.findings.extend([extra])
    report.findings[:0] = [extra]
    assert list(report.findings) == [extra, *first, extra]
    assert report.errors == errors + 2
    as_json = report.to_dict()["findings"]
    assert isinstance(as_json, list) and as_json[1] == first[0].to_dict()


def test_stats_counts_match_the_findings() -> None:
    doc = load_bytes(("\n".join(LINES) + "\n").encode())
    linter = Linter(doc)
    linter.run()
    report = build_report(linter)
    severities = report.stats.severities
    rows = list(report.findings)
    for sev in Severity:
        assert severities[sev.value] == sum(1 for f in rows if f.severity is sev)
