"""The severity tally: kept through edits once counted, and a first count that an edit raced is
not kept (the editor counts in the lint thread while the UI thread edits)."""

from __future__ import annotations

import json
import random
import sys
import threading
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuiftune.dataset import Linter, load_bytes
from tuiftune.dataset import tally as tally_module
from tuiftune.dataset.file_context import COUNT_IN_C_FROM, sort_conflicts, walk_conflicts
from tuiftune.dataset.findings import Severity


def chat(user: str, answer: str) -> bytes:
    messages = [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return json.dumps({"messages": messages}).encode()


def counted(linter: Linter) -> Counter[Severity]:
    return +Counter(f.severity for f in linter.iter_reported())


def test_a_first_count_that_an_edit_raced_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = load_bytes(b"\n".join([chat("q", "a"), chat("q", "b"), chat("r", "a")]) + b"\n")
    linter = Linter(doc)
    linter.run()
    real = sort_conflicts

    def edited_meanwhile(state: Any) -> int:
        result = real(state)  # counted before the edit below: two records in conflict
        doc.replace(2, chat("q", "c"))  # the UI thread's edit lands during the count
        return result

    monkeypatch.setattr(tally_module, "COUNT_IN_C_FROM", 0)  # a large file's way: no lock held
    monkeypatch.setattr(tally_module, "sort_conflicts", edited_meanwhile)
    linter.reported_severities()
    assert linter._conflicts.total is None  # that count missed the edit: not kept
    monkeypatch.setattr(tally_module, "sort_conflicts", real)
    assert linter.reported_severities() == counted(linter)
    assert linter._conflicts.total == 3  # kept from here on
    doc.replace(0, chat("other", "a"))
    assert linter._conflicts.total == 2
    assert linter.reported_severities() == counted(linter)


def test_before_the_lint_is_over_nothing_is_kept() -> None:
    doc = load_bytes(b"\n".join([chat("q", "a"), chat("q", "b")]) + b"\n")
    linter = Linter(doc)
    seen: list[int | None] = []

    def progress(done: int, total: int) -> None:
        if done < total:
            linter.reported_severities()
            seen.append(linter._conflicts.total)

    linter.run(progress)
    assert seen and seen == [None] * len(seen)
    assert linter.reported_severities()[Severity.WARNING] == 2
    assert linter._conflicts.total == 2


EDITS = ["replace", "insert", "delete", "undo"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=12),
    st.lists(st.tuples(st.sampled_from(EDITS), *[st.integers(0, 20)] * 3), max_size=25),
)
def test_large_groups_keep_their_own_count(
    rows: list[tuple[int, int]], edits: list[tuple[str, int, int, int]]
) -> None:
    # Groups above BIG records keep a count of one target instead of being walked; with BIG
    # at 2 every group of three or more does, through edits that add and take away targets.
    before = tally_module.BIG
    tally_module.BIG = 2
    try:
        doc = load_bytes(b"\n".join(chat(f"q{p}", f"a{t}") for p, t in rows) + b"\n")
        linter = Linter(doc)
        linter.run()
        linter.reported_severities()
        for kind, pos, prompt, target in edits:
            line = chat(f"q{prompt % 3}", f"a{target % 3}")
            n = len(doc)
            if kind == "insert":
                doc.insert(pos % (n + 1), line)
            elif kind == "replace" and n:
                doc.replace(pos % n, line)
            elif kind == "delete" and n:
                doc.delete(pos % n)
            elif kind == "undo":
                doc.undo()
            assert linter._conflicts.total == sort_conflicts(linter) == walk_conflicts(linter)
        assert linter.reported_severities() == counted(linter)
    finally:
        tally_module.BIG = before


@pytest.mark.parametrize("in_c_from", [COUNT_IN_C_FROM, 0])
def test_counting_in_another_thread_while_the_ui_thread_edits(
    in_c_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The editor counts in its lint thread while edits go in on the UI thread: no count may
    # fail on a table changed under it, and the kept count ends where a fresh one does.
    rng = random.Random(7)
    lines = [chat(f"q{rng.randrange(40)}", f"label{rng.randrange(4)}") for _ in range(400)]
    doc = load_bytes(b"\n".join(lines) + b"\n")
    linter = Linter(doc)
    linter.run()
    monkeypatch.setattr(tally_module, "COUNT_IN_C_FROM", in_c_from)  # 0: numpy, outside the lock
    errors: list[BaseException] = []
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            try:
                linter.reported_severities()
            except BaseException as exc:
                errors.append(exc)
                return

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads as often as the interpreter will
    counter = threading.Thread(target=count)
    counter.start()
    try:
        for i in range(600):
            line = chat(f"q{rng.randrange(40)}", rng.choice(["label1", "{bad", f"new{i}"]))
            doc.replace(rng.randrange(len(doc)), line)
    finally:
        stop.set()
        counter.join(timeout=60)
        sys.setswitchinterval(interval)
    assert not counter.is_alive() and errors == []
    assert linter.reported_severities() == counted(linter)
