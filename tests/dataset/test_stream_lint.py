"""Edits while the first lint streams, and the legacy suggestion after edits, equal a fresh lint."""

from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dataset.helpers import apply_edit
from tests.dataset.test_incremental import LINES, ops, snapshot
from tuiftune.dataset import Linter, load_bytes
from tuiftune.dataset.findings import Severity
from tuiftune.dataset.session import EditorSession

SEP = "\n\n###\n\n"
NO_SEP = json.dumps({"prompt": "no sep", "completion": "nospace"})


def fresh_of(doc_bytes: bytes) -> Linter:
    linter = Linter(load_bytes(doc_bytes))
    linter.run()
    return linter


def test_an_edit_that_uses_the_suggested_separator_changes_every_records_suggestion() -> None:
    # With no consensus each record is told to use the first suggestion no record holds; an
    # edit that puts it in a prompt must move every record's suggestion on (it stayed stale).
    doc = load_bytes(("\n".join([NO_SEP] * 3) + "\n").encode())
    linter = Linter(doc)
    linter.run()
    before = {f.message for f in linter.findings_at(1)}
    doc.insert(0, json.dumps({"prompt": f"p9{SEP}", "completion": " c0 END"}).encode())
    fresh = fresh_of(b"".join(doc.iter_bytes()))
    assert snapshot(linter) == snapshot(fresh)
    assert {f.message for f in linter.findings_at(1)} != before


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(LINES), min_size=1, max_size=30),
    ops,
    st.integers(0, 2**32 - 1),
)
def test_edits_made_while_the_first_lint_streams_equal_a_fresh_lint(
    initial: list[str],
    edits: list[tuple],  # type: ignore[type-arg]
    seed: int,
) -> None:
    # The editor's UI thread edits between (and during) the lint thread's chunks: here the
    # edits run from the progress callback at chunk boundaries (some before the run).
    doc = load_bytes(("\n".join(initial) + "\n").encode())
    session = EditorSession(doc)
    rng = random.Random(seed)
    queue = list(edits)
    before = rng.randrange(len(queue) + 1)
    for kind, a, b, line in queue[:before]:
        apply_edit(doc, kind, a, b, line.encode())
    rest = queue[before:]
    seen_mid_lint: list[bool] = []

    def progress(done: int, total: int) -> None:
        seen_mid_lint.append(session.linter.ready)
        # Mid-lint reads work (the findings so far, next problem among them).
        for pos in range(len(doc)):
            session.findings(pos)
        session.next_problem(0, 1, Severity.INFO)
        while rest and rng.random() < 0.5:
            kind, a, b, line = rest.pop(0)
            apply_edit(doc, kind, a, b, line.encode())

    session.lint(progress)
    assert not any(seen_mid_lint[:-1])  # every call but the last was before ready
    assert session.linter.ready
    session.linter.reported_severities()  # counted once, then kept through the edits
    for kind, a, b, line in rest:  # after the lint: edits apply at once, as before
        apply_edit(doc, kind, a, b, line.encode())
    fresh = fresh_of(b"".join(doc.iter_bytes()))
    assert snapshot(session.linter) == snapshot(fresh)
    assert sorted(session.linter.token_values()) == sorted(fresh.token_values())
    assert session.linter.label_tally == fresh.label_tally
    assert session.linter.reported_severities() == fresh.reported_severities()
    assert [(f.rule, f.message) for f in session.linter.file_findings()] == [
        (f.rule, f.message) for f in fresh.file_findings()
    ]


def test_findings_and_next_problem_mid_lint_cover_the_records_linted_so_far() -> None:
    lines = [json.dumps({"messages": [{"role": "user", "content": f"q{i}"}]}) for i in range(300)]
    doc = load_bytes(("\n".join(lines) + "\n").encode())
    session = EditorSession(doc)
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        if 0 < done < total:
            # Each record lacks an assistant answer (an error): the next problem from the
            # last linted position wraps to the first; nothing past the stream is offered.
            seen.append((done, session.next_problem(done - 1, 1), len(session.findings(done))))

    session.lint(progress)
    assert seen
    for done, nxt, unlinted in seen:
        assert 0 <= nxt < done
        assert unlinted == 0
    assert session.next_problem(0, 1) == 1
