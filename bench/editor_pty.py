"""The editor in a real terminal: ``tuiftune FILE`` under a pty, keys written to it, frames read.

Key latency is the time from writing a key to the last byte of the frame it caused (the
output burst that follows, ended by 60 ms of quiet). Idle CPU is the child's user + system
time over a quiet stretch, read from /proc.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import struct
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KEYS = {"f2": b"\x1bOQ", "f3": b"\x1bOR", "f4": b"\x1bOS", "f5": b"\x1b[15~", "enter": b"\r"}
QUIET = 0.06


class Terminal:
    """One ``python -m tuiftune FILE`` in a 120x40 pty, its output collected with times."""

    def __init__(self, path: Path | None, env: dict[str, str]) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the app itself
            os.chdir(REPO)
            args = [sys.executable, "-m", "tuiftune"] + ([str(path)] if path else [])
            os.execvpe(sys.executable, args, env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.started = time.perf_counter()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.chunks.append((time.perf_counter(), data))

    def output(self) -> bytes:
        with self.lock:
            return b"".join(c for _, c in self.chunks)

    def wait_for(self, needle: bytes, timeout: float) -> float:
        """Seconds from start until ``needle`` appears in the output."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                joined = b"".join(c for _, c in self.chunks)
                at = joined.find(needle)
                if at >= 0:
                    # The time of the chunk that completed it.
                    size = 0
                    for t, c in self.chunks:
                        size += len(c)
                        if size >= at + len(needle):
                            return t - self.started
            time.sleep(0.02)
        raise TimeoutError(f"{needle!r} not seen in {timeout} s")

    def seen(self, needle: bytes) -> bool:
        """Whether ``needle`` has been drawn so far."""
        return needle in self.output()

    def settle(self, quiet: float = 0.3, timeout: float = 30.0) -> None:
        """Wait until nothing has been drawn for ``quiet`` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                last = self.chunks[-1][0] if self.chunks else self.started
            if time.perf_counter() - last >= quiet:
                return
            time.sleep(0.01)

    def key(self, data: bytes, timeout: float = 10.0) -> float:
        """Seconds from writing ``data`` to the end of the frame it caused."""
        self.settle()
        with self.lock:
            seen = len(self.chunks)
        sent = time.perf_counter()
        os.write(self.fd, data)
        deadline = sent + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                new = self.chunks[seen:]
            if new and time.perf_counter() - new[-1][0] >= QUIET:
                return new[-1][0] - sent
            time.sleep(0.002)
        raise TimeoutError(f"no frame after {data!r}")

    def key_frames(
        self, data: bytes, timeout: float = 10.0, quiet: float = 0.3
    ) -> tuple[float, float]:
        """(first frame, settled frame) seconds after writing ``data`` (after ``quiet`` s of
        nothing drawn: mid-lint, progress is drawn every 0.25 s)."""
        self.settle(quiet)
        with self.lock:
            seen = len(self.chunks)
        sent = time.perf_counter()
        os.write(self.fd, data)
        deadline = sent + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                new = self.chunks[seen:]
            if new and time.perf_counter() - new[-1][0] >= QUIET:
                return new[0][0] - sent, new[-1][0] - sent
            time.sleep(0.002)
        raise TimeoutError(f"no frame after {data!r}")

    def key_until(
        self, data: bytes, drawn: Callable[[bytes, bytes], bool], timeout: float = 10.0
    ) -> float:
        """Seconds from writing ``data`` to the chunk after which ``drawn(output, since)``
        holds (``since``: what was drawn after the key): the key's own frame, told apart from
        other frames (lint progress) drawn meanwhile."""
        self.settle(0.1)
        with self.lock:
            seen = len(self.chunks)
            before = b"".join(c for _, c in self.chunks)
        sent = time.perf_counter()
        os.write(self.fd, data)
        deadline = sent + timeout
        out = before
        while time.perf_counter() < deadline:
            with self.lock:
                new = self.chunks[seen:]
            for at, chunk in new:
                out += chunk
                if drawn(out, out[len(before) :]):
                    return at - sent
            seen += len(new)
            time.sleep(0.002)
        raise TimeoutError(f"{data!r} not drawn in {timeout} s")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def idle_cpu(self, seconds: float) -> float:
        """The child's CPU share (0-1) over ``seconds`` of no input."""
        c0, t0 = self.cpu_seconds(), time.perf_counter()
        time.sleep(seconds)
        return (self.cpu_seconds() - c0) / (time.perf_counter() - t0)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, b"\x11")  # ctrl+q
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return
            time.sleep(0.05)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
