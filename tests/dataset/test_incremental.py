"""Incremental re-linting after edits agrees with linting the edited file from scratch."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dataset.helpers import apply_edit
from tuiftune.dataset import Linter, load_bytes
from tuiftune.dataset.linter import Linter as _Linter

SEP = "\n\n###\n\n"
LINES = [json.dumps({"prompt": f"p{i}{SEP}", "completion": f" c{i % 3}\n"}) for i in range(6)] + [
    json.dumps({"prompt": "p1" + SEP, "completion": " other\n"}),
    json.dumps({"prompt": "no sep", "completion": "nospace"}),
    json.dumps({"prompt": f"p9{SEP}", "completion": " c0 END"}),
    "{bad json",
    "",
]


def snapshot(linter: _Linter) -> list[list[tuple[str, str | None, str]]]:
    return [
        sorted((f.rule, f.field, f.message) for f in linter.findings_at(p))
        for p in range(len(linter.doc))
    ]


ops = st.lists(
    st.tuples(
        st.sampled_from(["replace", "insert", "delete", "move", "undo", "redo"]),
        st.integers(0, 40),
        st.integers(0, 40),
        st.sampled_from(LINES),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=14), ops)
def test_incremental_equals_full_relint(initial: list[str], edits: list[tuple]) -> None:  # type: ignore[type-arg]
    doc = load_bytes(("\n".join(initial) + "\n").encode())
    linter = Linter(doc)
    linter.run()
    linter.reported_severities()  # counted once, then kept through the edits
    for kind, a, b, line in edits:
        apply_edit(doc, kind, a, b, line.encode())
    fresh = Linter(load_bytes(b"".join(doc.iter_bytes())))
    fresh.run()
    assert snapshot(linter) == snapshot(fresh)
    assert sorted(linter.token_values()) == sorted(fresh.token_values())
    assert linter.reported_severities() == fresh.reported_severities()


def test_first_legacy_record_in_a_file_without_one_gets_the_consensus_findings() -> None:
    # Found by the property above: the file starts with no legacy record, so no separator or
    # stop suggestion had been computed when the first one was typed in.
    doc = load_bytes(b"{bad json\n")
    linter = Linter(doc)
    linter.run()
    doc.replace(0, json.dumps({"prompt": "no sep", "completion": "nospace"}).encode())
    fresh = Linter(load_bytes(b"".join(doc.iter_bytes())))
    fresh.run()
    assert snapshot(linter) == snapshot(fresh)
    assert "legacy.separator.missing" in {f.rule for f in linter.findings_at(0)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), min_size=10, max_size=40), ops)
def test_label_tally_and_file_findings_follow_edits(initial: list[str], edits: list[tuple]) -> None:  # type: ignore[type-arg]
    # The tally is kept as records change (not recounted per key press): after any edits it
    # equals a count over the edited file, and so do the file-level findings built on it.
    doc = load_bytes(("\n".join(initial) + "\n").encode())
    linter = Linter(doc)
    linter.run()
    for kind, a, b, line in edits:
        apply_edit(doc, kind, a, b, line.encode())
    fresh = Linter(load_bytes(b"".join(doc.iter_bytes())))
    fresh.run()
    assert linter.label_tally == Counter(fresh.labels())
    assert [(f.rule, f.message) for f in linter.file_findings()] == [
        (f.rule, f.message) for f in fresh.file_findings()
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=30), ops, st.integers(0, 40))
def test_next_problem_equals_a_scan_of_every_record(
    initial: list[str],
    edits: list[tuple],  # type: ignore[type-arg]
    start: int,
) -> None:
    # next_problem rules records out from the linter's columns before building findings; it
    # must land where a scan of every record's findings does.
    from tuiftune.dataset.findings import Severity
    from tuiftune.dataset.session import EditorSession

    doc = load_bytes(("\n".join(initial) + "\n").encode())
    session = EditorSession(doc)
    session.lint()
    for kind, a, b, line in edits:
        apply_edit(doc, kind, a, b, line.encode())
    n = len(doc)
    for severity in (Severity.INFO, Severity.WARNING, Severity.ERROR):
        for step in (1, -1):
            pos = start % n if n else 0
            order = [(pos + i * step) % n for i in range(1, n + 1)]
            hits = [
                p
                for p in order
                if any(f.severity.rank >= severity.rank for f in session.linter.findings_at(p))
            ]
            expected = hits[0] if hits else -1
            assert session.next_problem(pos, step, severity) == expected
