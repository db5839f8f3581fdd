"""``tuiftune serve --trainer local`` as a user runs it: a subprocess on a TCP port, real engine."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_data"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren, ...)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                children = [int(c) for c in (task / "children").read_text().split()]
                found += children
                todo += children
    return found


def engines() -> list[int]:
    """Live engine processes of this machine's user (any parent)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            if b"tuiftune.server.trainers.local_engine" in cmd and b"train" in cmd:
                stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                if stat[0] != "Z":
                    pids.append(int(proc.name))
    return pids


@dataclass
class Served:
    """One ``tuiftune serve --trainer local`` process."""

    base_model: Path
    state_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    extra: list[str] = field(default_factory=list)
    """More ``serve`` arguments (``--processes 2``, say)."""

    @property
    def url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def log(self) -> Path:
        """Where the server's stdout and stderr (its terminal) go."""
        return self.state_dir.parent / f"serve-{self.port}.log"

    def start(self, timeout: float = 60) -> Served:
        """Start the server and wait until it answers ``/health``."""
        argv = [sys.executable, "-m", "tuiftune", "serve", "--trainer", "local"]
        argv += ["--base-model", str(self.base_model), "--state-dir", str(self.state_dir)]
        argv += ["--port", str(self.port), "--devices", "cpu", "--num-threads", "1", *self.extra]
        log = self.log.open("ab")
        env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
        self.process = subprocess.Popen(argv, stdout=log, stderr=log, env=env, cwd=REPO)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: see {log.name}")
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return self
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)

    def kill(self) -> None:
        """kill -9, as a crash or the OOM killer would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Ctrl-C: uvicorn shuts the app down (its lifespan ends)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def serving(base_model: Path, state_dir: Path, *extra: str) -> Iterator[Served]:
    """A started server, stopped at the end."""
    served = Served(base_model, state_dir, extra=list(extra)).start()
    try:
        yield served
    finally:
        served.stop()
