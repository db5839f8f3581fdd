"""The editor's first lint of the file named on the command line, in a child process.

The TUI's start-up (Textual's imports, style sheets, the first frame: ~0.35 s of CPU) and the
lint are both CPU-bound Python holding the GIL: in one process they ran one after the other,
so at 10k real rows the editor took 1.33-1.50x as long as ``tuiftune lint`` to show its
findings. A thread does not help (linting beside the TUI's imports ended at the same moment,
774 ms). A child process started before the TUI is imported lints on the second core while the
TUI starts; the lint thread of the editor then only stores its results (per 10k rows: 3 ms to
unpickle, 15 ms to store and index, against 234 ms to lint them).

The child is forked, not spawned: the records' keys (duplicates, conflicting answers) are
``hash()`` values, and only a fork shares the process's hash secret, so the child's keys and
those of records the editor lints later (edits) compare. Forking also skips a second
interpreter's start (~30 ms). The child reads the file itself; its results are used only when it
read the same bytes (size, modification time and CRC-32 of the file as loaded) with the same
model and token counting as the editor's linter, and a record it has not sent (an edit's new
version, a child that died or stalled) is linted in the editor as before. Its output is a
stream of length-prefixed pickles read only by the process that forked it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import select
import signal
import stat
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tuiftune.dataset.options import LintOptions

if TYPE_CHECKING:
    from tuiftune.dataset.document import Document
    from tuiftune.dataset.linter import Linter
    from tuiftune.dataset.rules.base import RecordResult

# Above this the child would hold a second copy of a large file while it lints, and the lint
# (20 s or more at 470 MB) dwarfs the 0.35 s of start-up the child overlaps.
WORKER_MAX_BYTES = 256 * 1024 * 1024
CHUNK = 2000  # records per message: ~80 KB of pickle on real rows
MAGIC = "tuiftune-lint-worker/2"
STALL_SECONDS = 30.0  # no byte for this long: the child is stuck, the editor lints the rest
POLL_SECONDS = 0.1  # how often a wait for the child looks at the cancel event
LENGTH = struct.Struct("<Q")
# The child's chunks wait in the pipe until the TUI has started and the editor reads them. At
# the default 64 KiB the child blocked on its second chunk (10k real rows: 180 ms of its lint
# spent waiting); Linux's default pipe-max-size (1 MiB) holds 10k rows' results.
PIPE_BYTES = 1 << 20
# The editor lints from the file's end while it waits (``tail_lint``) only with this much of the
# file left to the child: at 6.5 MB (10k real rows) the tail made the lint end later (0.75 s
# against 0.65 s: loading the editor's tokenizer, 0.13 s, outweighs half of what is left), at
# 65 MB it ended sooner (1.9 s against 2.8 s).
TAIL_MIN_BYTES = 16 * 1024 * 1024
Row = tuple[int, Any, int, int, int, int, "str | None", "str | None", "str | None"]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


class LintWorker:
    """A forked child linting one file; the editor's linter takes its results by record id."""

    def __init__(self, path: Path, options: LintOptions | None) -> None:
        self.path = path
        self.options = options
        self.cancel: threading.Event | None = None  # set: stop waiting for the child
        read_fd, write_fd = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # not Linux, or over a user limit
            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            os.close(read_fd)
            os._exit(_child(path, options, write_fd))
        os.close(write_fd)
        self._pid: int | None = pid
        self._fd: int | None = read_fd
        self._buffer = bytearray()
        self._start = self._end = self._records = self._size = 0
        self._rows: list[Row] = []
        self._tail: bool | None = None  # whether to lint from the end: decided once

    @property
    def pid(self) -> int | None:
        """The child's process id while it is not yet reaped."""
        return self._pid

    @classmethod
    def start(cls, path: Path, options: LintOptions | None) -> LintWorker | None:
        """A worker for ``path``; None where it would not pay (one core, a file too large or
        unreadable: the editor then lints in its lint thread and reports any error itself)."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        regular = stat.S_ISREG(st.st_mode) and st.st_size <= WORKER_MAX_BYTES
        if not regular or _cores() < 2 or not hasattr(os, "fork"):
            return None
        # The lint's modules, imported once for both processes: the editor imports them anyway
        # (its first paint needs them), and the child then starts linting 110 ms sooner.
        import tuiftune.dataset.io
        import tuiftune.dataset.linter  # noqa: F401

        try:
            return cls(path, options)
        except OSError:
            return None

    def accept(self, linter: Linter, cancel: threading.Event | None = None) -> bool:
        """Whether the child linted the bytes of ``linter``'s document the way ``linter``
        would (blocks until it says: call it in the lint thread); a mismatch stops it.
        ``cancel``, once set, ends any wait for the child."""
        # Imported here, not at the top: the editor starts the worker before its own imports.
        from tuiftune.dataset.formats import FORMAT_CODES
        from tuiftune.dataset.rules.base import RecordResult

        self._formats, self._result = FORMAT_CODES, RecordResult
        self.cancel = cancel
        doc = linter.doc
        expected = (MAGIC, _stamp(doc), doc.loaded_crc(), doc.loaded_records, identity(linter))
        if self._read() != expected:
            self.close()
            return False
        self._records, self._size = doc.loaded_records, expected[1][0]
        return True

    def __call__(self, rid: int, spare: Callable[[], bool] | None = None) -> RecordResult | None:
        """The child's result for an original record id; None when it has none for it (the
        caller lints the record itself). While it waits it calls ``spare`` (lint one record
        elsewhere in the file; False when there is none left to lint)."""
        if rid >= self._records:
            return None  # a version made by an edit: the child never saw it
        if self._tail is None:  # the first wait
            self._tail = (1 - self._end / self._records) * self._size >= TAIL_MIN_BYTES
        if not self._tail:
            spare = None
        while rid >= self._end:
            message = self._read(spare)
            if not isinstance(message, tuple) or len(message) != 2:
                self.close()  # the end of the stream, or a child that died
                return None
            self._start, self._rows = message
            self._end = self._start + len(self._rows)
        i = rid - self._start
        if i < 0:
            return None  # passed already (records moved by an edit): linted by the caller
        fmt, findings, tokens, dup, prompt, target, label, p_tail, c_tail = self._rows[i]
        return self._result(
            self._formats[fmt], findings, tokens, dup, prompt, target, label, p_tail, c_tail
        )

    def _read(self, spare: Callable[[], bool] | None = None) -> Any:
        head = self._take(LENGTH.size, spare)
        data = self._take(LENGTH.unpack(head)[0], spare) if head is not None else None
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except (pickle.UnpicklingError, ValueError, EOFError, AttributeError):
            return None

    def _take(self, n: int, spare: Callable[[], bool] | None = None) -> bytes | None:
        """``n`` bytes from the child; None at its end, when it stalls, or on cancel."""
        buffer, waited = self._buffer, 0.0
        while len(buffer) < n:
            fd = self._fd
            if fd is None or (self.cancel is not None and self.cancel.is_set()):
                return None
            timeout = 0.0 if spare is not None else POLL_SECONDS
            try:
                ready = select.select([fd], [], [], timeout)[0]
                data = os.read(fd, max(n - len(buffer), 1 << 16)) if ready else None
            except OSError:
                return None
            if data == b"":
                return None  # the end of the stream, or a child that died
            if data is not None:
                buffer += data
                waited = 0.0
            elif spare is not None:
                if not spare():  # linted a record here instead of waiting, or none is left
                    spare = None
            else:
                waited += POLL_SECONDS
                if waited >= STALL_SECONDS:
                    return None
        out = bytes(buffer[:n])
        del buffer[:n]
        return out

    def stop(self) -> None:
        """Kill the child (if still running) and reap it."""
        pid, self._pid = self._pid, None
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    def close(self) -> None:
        """Stop the child and close the pipe (by the thread that reads it)."""
        self.stop()
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def _stamp(doc: Document) -> tuple[int, int]:
    return (doc.stamp.size, doc.stamp.mtime_ns) if doc.stamp is not None else (0, 0)


def identity(linter: Linter) -> tuple[Any, ...]:
    """What makes two linters' record results the same: the model, its encoding, whether
    tokens are bounds, and whether counts are estimates (the child's tokenizer did not load:
    its results are then not taken; the editor's own loads later, on its first count)."""
    return (linter.model.name, linter.model.encoding, linter._bounded, linter.counter.estimated)


def _serve(path: Path, options: LintOptions | None, out: IO[bytes]) -> None:
    from tuiftune.dataset.formats import FORMAT_INDEX
    from tuiftune.dataset.io import read_document
    from tuiftune.dataset.linter import Linter
    from tuiftune.dataset.record import result_for

    doc = read_document(path)
    linter = Linter(doc, options)
    linter.counter.count("")  # loads the tokenizer (0.13 s for o200k): it decides estimated
    header = (MAGIC, _stamp(doc), doc.loaded_crc(), doc.loaded_records, identity(linter))
    _send(out, header)
    raw, count, exact, model = doc.raw, linter._count(), linter.counter.count, linter.model
    bounded = linter._bounded
    records = doc.loaded_records
    for start in range(0, records, CHUNK):
        rows: list[Row] = []
        for rid in range(start, min(records, start + CHUNK)):
            r = result_for(raw(rid), count, exact, model, bounded)
            fmt, tails = FORMAT_INDEX[r.fmt], (r.prompt_tail, r.completion_tail)
            rows.append(
                (fmt, r.findings, r.tokens, r.dup_key, r.prompt_key, r.target_key, r.label, *tails)
            )
        _send(out, (start, rows))  # each chunk as it is done: findings show as they come


def _send(out: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=5)
    out.write(LENGTH.pack(len(data)))
    out.write(data)
    out.flush()


def _child(path: Path, options: LintOptions | None, fd: int) -> int:
    """The forked child's work; its exit status."""
    try:
        import gc

        gc.disable()  # as Linter.run: the parse makes no cycles (~15% of lint time)
        # Never the terminal: Textual draws there (and reads keys from it).
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(null, std)
        with os.fdopen(fd, "wb") as out:
            _serve(path, options, out)
    except BaseException:  # the editor lints the file itself and reports what is wrong
        return 1
    return 0
