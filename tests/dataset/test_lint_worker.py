"""The editor's first lint in a child process: its results are the editor's own, or not taken."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.dataset.test_incremental import snapshot
from tests.hostile_files import hostile_contents
from tuiftune.dataset import lint_worker
from tuiftune.dataset.io import read_document
from tuiftune.dataset.lint_worker import CHUNK, LintWorker
from tuiftune.dataset.linter import LintCancelled, Linter
from tuiftune.dataset.options import LintOptions
from tuiftune.dataset.rules.base import RecordResult
from tuiftune.dataset.session import EditorSession

Get = Callable[[str], Path]


def everything(linter: Linter) -> tuple[Any, ...]:
    """All a lint shows: findings per record and file-wide, token counts, estimate flag."""
    return (
        snapshot(linter),
        list(linter.iter_reported()),
        sorted(linter.token_values()),
        linter.tokens_estimated,
    )


def local(path: Path, options: LintOptions | None = None) -> Linter:
    linter = Linter(read_document(path), options)
    linter.run()
    return linter


def started(path: Path, options: LintOptions | None = None) -> LintWorker:
    worker = LintWorker.start(path, options)
    if worker is None:
        pytest.skip("the lint worker needs two cores")
    return worker


class Taken:
    """A feed that records which ids the child's results served."""

    def __init__(self, worker: LintWorker) -> None:
        self.worker = worker
        self.served: list[int] = []
        self.missed: list[int] = []

    def __call__(self, rid: int, spare: Callable[[], bool] | None = None) -> RecordResult | None:
        result = self.worker(rid)  # no spare: every record the child's, or the caller's
        (self.served if result is not None else self.missed).append(rid)
        return result


def reaped(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def lints_like_the_editor_alone(path: Path) -> None:
    """An editor session linted with a worker: the child reaped, the result a local lint's."""
    session = EditorSession(read_document(path))
    worker = started(path)
    pid = worker.pid
    session.lint(worker=worker)
    assert pid is not None and reaped(pid)
    assert everything(session.linter) == everything(local(path))


def chat(i: int, answer: str | None = "fine") -> str:
    messages = [{"role": "user", "content": f"question {i % 97}"}]
    if answer is not None:
        messages.append({"role": "assistant", "content": f"{answer} {i}"})
    return json.dumps({"messages": messages})


def big_file(tmp_path: Path, n: int = 20 * CHUNK) -> Path:
    # Duplicates (i % 97), missing answers (every 11th): findings of every kind in each chunk.
    path = tmp_path / "big.jsonl"
    lines = [chat(i, None if i % 11 == 0 else "fine") for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name",
    [
        "openai-cookbook-toy-chat.jsonl",
        "lens-qa-legacy-raw.jsonl",
        "autograding-duplicates.jsonl",
        "mandarin2cantonese-legacy.jsonl",
    ],
)
def test_the_childs_results_equal_a_local_lint_on_real_data(shared_dataset: Get, name: str) -> None:
    path = shared_dataset(name)
    linter = Linter(read_document(path))
    worker = started(path)
    assert worker.accept(linter)
    feed = Taken(worker)
    linter.run(feed=feed)
    assert feed.missed == [] and len(feed.served) == len(linter.doc)
    assert everything(linter) == everything(local(path))


@pytest.mark.parametrize(
    "name", ["big_int.jsonl", "lone_surrogate.jsonl", "bidi.jsonl", "nan.jsonl", "crlf.jsonl"]
)
def test_hostile_files_lint_the_same_in_the_child(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(hostile_contents()[name])
    lints_like_the_editor_alone(path)


def test_a_model_option_travels_to_the_child_and_a_different_one_is_refused(
    tmp_path: Path,
) -> None:
    path = big_file(tmp_path, 50)
    options = LintOptions(model="gpt-4.1-mini")
    same = started(path, options)
    assert same.accept(Linter(read_document(path), options))
    same.close()
    other = started(path, options)
    pid = other.pid
    assert not other.accept(Linter(read_document(path)))  # the default model
    assert pid is not None and reaped(pid)
    assert other(0) is None


def test_bytes_changed_under_the_same_size_and_time_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(chat(1) + "\n" + chat(2, None) + "\n", encoding="utf-8")
    doc = read_document(path)  # what the editor holds
    before = path.stat()
    # The same length and modification time, other bytes: only the CRC tells them apart.
    path.write_text(chat(1) + "\n" + chat(3, None) + "\n", encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    session = EditorSession(doc)
    worker = started(path)
    assert not worker.accept(session.linter)
    session.lint(worker=started(path))
    expected = tmp_path / "expected.jsonl"
    expected.write_bytes(b"".join(doc.iter_bytes()))
    assert everything(session.linter) == everything(local(expected))
    assert 2 in [f.line for f in session.linter.iter_reported()]  # chat(2, None) is held


def test_a_file_grown_since_it_was_read_is_linted_locally(tmp_path: Path) -> None:
    path = big_file(tmp_path, 30)
    session = EditorSession(read_document(path))
    with path.open("a", encoding="utf-8") as f:
        f.write(chat(99, None) + "\n")
    worker = started(path)
    assert not worker.accept(Linter(session.doc))
    session.lint(worker=started(path))
    assert len(session.doc) == 30
    assert session.linter.ready


def test_a_child_killed_mid_stream_leaves_the_rest_to_the_editor(tmp_path: Path) -> None:
    path = big_file(tmp_path)
    linter = Linter(read_document(path))
    worker = started(path)
    assert worker.accept(linter)
    feed = Taken(worker)

    def kill_after_the_first_chunk(rid: int, spare: Callable[[], bool]) -> RecordResult | None:
        result = feed(rid)
        if rid == CHUNK and worker.pid is not None:
            os.kill(worker.pid, signal.SIGKILL)
        return result

    linter.run(feed=kill_after_the_first_chunk)
    # 20 chunks of ~60 KB cannot all sit in a 64 KB pipe: most were never written.
    assert feed.served and len(feed.missed) > len(linter.doc) // 2
    assert worker.pid is None  # reaped when the stream broke
    assert everything(linter) == everything(local(path))


def test_edits_before_the_lint_are_linted_by_the_editor(tmp_path: Path) -> None:
    path = big_file(tmp_path, 3 * CHUNK)
    session = EditorSession(read_document(path))
    doc = session.doc
    doc.replace(5, chat(5, None).encode())  # now an error
    doc.insert(0, doc.raw_at(0))  # a copy of record 0
    doc.delete(CHUNK + 3)
    worker = started(path)
    feed = Taken(worker)
    assert worker.accept(session.linter)
    session.linter.run(feed=feed)
    # The two new versions were linted as they were made; the child served the rest.
    assert feed.missed == [] and len(feed.served) == len(doc) - 2
    # The new copy of record 0 and the child's record 0 share a key: the keys agree.
    rules = {f.rule for pos in (0, 1) for f in session.linter.findings_at(pos)}
    assert "dataset.duplicate" in rules
    expected = tmp_path / "edited.jsonl"
    expected.write_bytes(b"".join(doc.iter_bytes()))
    assert everything(session.linter) == everything(local(expected))


def test_a_cancelled_lint_stops_and_reaps_the_child(tmp_path: Path) -> None:
    path = big_file(tmp_path)
    session = EditorSession(read_document(path))
    worker = started(path)
    pid = worker.pid
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= CHUNK:
            cancel.set()

    with pytest.raises(LintCancelled):
        session.lint(progress, cancel, worker)
    assert pid is not None and reaped(pid)


def test_the_child_lints_to_the_end_before_the_editor_reads(tmp_path: Path) -> None:
    # The TUI starts for half a second before its lint thread reads: a child blocked on a full
    # pipe (64 KiB by default) would lint no further meanwhile.
    path = big_file(tmp_path, 6 * CHUNK)
    worker = started(path)
    pid = worker.pid
    assert pid is not None
    deadline = time.monotonic() + 60
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        assert time.monotonic() < deadline, "the child did not finish unread"
        time.sleep(0.02)
    assert worker._fd is not None
    waiting = struct.unpack("i", fcntl.ioctl(worker._fd, termios.FIONREAD, b"\0" * 4))[0]
    assert waiting > 64 * 1024  # more than a default pipe holds: every chunk was written
    session = EditorSession(read_document(path))
    session.lint(worker=worker)
    assert everything(session.linter) == everything(local(path))


def test_no_worker_for_what_is_not_a_small_regular_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert LintWorker.start(tmp_path, None) is None  # a folder
    assert LintWorker.start(tmp_path / "missing.jsonl", None) is None
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    assert LintWorker.start(fifo, None) is None  # the child would block on it
    path = big_file(tmp_path, 10)
    monkeypatch.setattr(lint_worker, "WORKER_MAX_BYTES", path.stat().st_size - 1)
    assert LintWorker.start(path, None) is None


def failing(path: Path, options: LintOptions | None, out: Any) -> None:
    raise OSError(f"{path}: gone")


def stuck(path: Path, options: LintOptions | None, out: Any) -> None:
    threading.Event().wait(600)


@pytest.mark.parametrize("child", [failing, stuck])
def test_a_child_that_fails_or_stalls_leaves_the_lint_to_the_editor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: Callable[..., None]
) -> None:
    # The forked child runs the patched work: one that raises, one that never answers.
    monkeypatch.setattr(lint_worker, "_serve", child)
    monkeypatch.setattr(lint_worker, "STALL_SECONDS", 0.5)
    path = big_file(tmp_path, 30)
    lints_like_the_editor_alone(path)


def test_a_cancel_ends_the_wait_for_a_stalled_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lint_worker, "_serve", stuck)  # STALL_SECONDS stays 30
    path = big_file(tmp_path, 30)
    worker = started(path)
    cancel = threading.Event()
    cancel.set()
    assert not worker.accept(Linter(read_document(path)), cancel)
    assert worker.pid is None


def test_the_worker_module_loads_without_the_lint_core() -> None:
    # It is imported at start-up, before the TUI: the linter's imports would delay both.
    code = (
        "import sys, tuiftune.dataset.lint_worker, tuiftune.dataset as d; "
        "print('tuiftune.dataset.linter' in sys.modules, d.Linter.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "Linter"]
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = __import__("tuiftune.dataset").dataset.Nothing


def header_then_stall(path: Path, options: LintOptions | None, out: Any) -> None:
    doc = read_document(path)
    linter = Linter(doc, options)
    linter.counter.count("")
    stamp = lint_worker._stamp(doc)
    header = (lint_worker.MAGIC, stamp, doc.loaded_crc(), doc.loaded_records)
    lint_worker._send(out, (*header, lint_worker.identity(linter)))
    threading.Event().wait(600)


def test_while_waiting_the_editor_lints_from_the_end_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A child that says it lints the file and then sends nothing: all but the first record
    # are linted here from the end while the lint waits for the child's first chunk.
    monkeypatch.setattr(lint_worker, "_serve", header_then_stall)
    monkeypatch.setattr(lint_worker, "STALL_SECONDS", 0.5)
    monkeypatch.setattr(lint_worker, "TAIL_MIN_BYTES", 0)  # the file is a few kB
    path = big_file(tmp_path, 300)
    linter = Linter(read_document(path))
    worker = started(path)
    assert worker.accept(linter)
    spared = [0]

    def counted(rid: int, spare: Callable[[], bool]) -> RecordResult | None:
        def one() -> bool:
            done = spare()
            spared[0] += done
            return done

        return worker(rid, one)

    linter.run(feed=counted)
    assert spared[0] == 299
    assert everything(linter) == everything(local(path))


def test_the_child_and_the_editor_meet_in_the_middle_with_one_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lint_worker, "TAIL_MIN_BYTES", 0)
    path = big_file(tmp_path)
    session = EditorSession(read_document(path))
    session.lint(worker=started(path))
    assert everything(session.linter) == everything(local(path))
