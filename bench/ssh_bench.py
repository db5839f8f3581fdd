"""What the Jobs mode costs over SSH: bytes written to an 80x24 terminal per second.

Runs ``tuiftune`` in a pseudo-terminal (pty) on the shared sandbox while a job trains, switches
to the Jobs mode, and counts every byte the app writes, in three windows measured in one run:

* first paint of the Jobs mode (one full screen: the yardstick for a "full repaint");
* live training: a new step (event, chart point, progress cells) at every poll;
* polling only: the job paused, so each poll brings nothing new (goal: <= 2 KB/s).

Each window is also printed as a ratio to one full repaint per poll, which is what a screen
that redrew everything on each poll would send.

Run: ``python bench/ssh_bench.py [--seconds 15] [--step-seconds 1.0]``.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# The child: the real app on the shared sandbox; the bench presses F3 for the Jobs mode.
CHILD = """
from tuiftune.ui.app import TuiftuneApp
from tuiftune.wiring import build_services

TuiftuneApp(build_services(sandbox=True)).run()
"""
F3 = b"\x1bOR"


class Meter:
    """Drains the pty in a thread (the app would block otherwise) and counts bytes."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.total = 0
        self.stop = False
        self.data = bytearray()  # kept for --dump
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.total += len(chunk)
            self.data += chunk

    def window(self, seconds: float) -> tuple[int, float]:
        """Bytes written during the next ``seconds``, and the rate per second."""
        start, t0 = self.total, time.monotonic()
        time.sleep(seconds)
        got = self.total - start
        return got, got / (time.monotonic() - t0)

    def quiet(self, gap: float = 1.0, limit: float = 20.0) -> int:
        """Wait until nothing was written for ``gap`` seconds (the first paint is done)."""
        deadline = time.monotonic() + limit
        last, since = self.total, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if self.total != last:
                last, since = self.total, time.monotonic()
            elif time.monotonic() - since >= gap:
                break
        return self.total


async def start_job() -> str:
    """Upload a small training file to the shared sandbox and start a 3-epoch job."""
    from tests.server.helpers import chat_rows, jsonl
    from tuiftune.wiring import build_sandbox_client

    client = build_sandbox_client()
    try:
        file = await client.files.create(
            file=("t.jsonl", jsonl(chat_rows(12))), purpose="fine-tune"
        )
        job = await client.fine_tuning.jobs.create(
            model="gpt-4o-mini-2024-07-18",
            training_file=file.id,
            method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}}},
        )
        return job.id
    finally:
        await client.close()


async def job_action(job_id: str, action: str) -> str:
    """Pause (or retrieve) the job through the service layer; returns its status."""
    from tuiftune.service.jobs import JobsService
    from tuiftune.wiring import sandbox_provider

    async with sandbox_provider() as provider:
        svc = JobsService(provider.jobs)
        job = await (svc.pause(job_id) if action == "pause" else svc.retrieve(job_id))
        return str(job.status)


def wait_running(job_id: str, limit: float = 30.0) -> None:
    """Block until the sandbox job trains."""
    deadline = time.monotonic() + limit
    while asyncio.run(job_action(job_id, "status")) != "running":
        if time.monotonic() > deadline:
            raise SystemExit("the sandbox job never started running")
        time.sleep(0.2)


def main() -> None:
    """Run the three windows and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each window")
    parser.add_argument("--step-seconds", type=float, default=1.0, help="sandbox pace")
    parser.add_argument("--dump", type=Path, help="also save the raw terminal output here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    state = tempfile.mkdtemp(prefix="tuiftune-ssh-bench-")
    os.environ["TUIFTUNE_SANDBOX_DIR"] = state
    os.environ["TUIFTUNE_SANDBOX_STEP_SECONDS"] = str(args.step_seconds)
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED / "tiktoken-cache"))
    # Long enough to outlast both windows: 36 steps at the pace above.
    job_id = asyncio.run(start_job())
    wait_running(job_id)

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=slave,
        stdout=slave,
        stderr=slave,  # Textual draws on stderr
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    meter = Meter(master)
    try:
        start = meter.quiet(gap=1.5)
        os.write(master, F3)
        paint = meter.quiet(gap=1.5) - start
        live, live_rate = meter.window(args.seconds)
        status = asyncio.run(job_action(job_id, "pause"))
        meter.window(3.0)  # the pause shows up at the next poll
        idle, idle_rate = meter.window(args.seconds)
    finally:
        os.write(master, b"\x11")  # ctrl+q
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
        meter.stop = True
        os.close(master)
        if args.dump:
            args.dump.write_bytes(bytes(meter.data))
        shutil.rmtree(state, ignore_errors=True)

    poll = 2.0  # the watcher's interval while a job runs (PollPolicy.running)
    full = paint / poll
    print("tuiftune Jobs mode over a pty at 80x24 (bytes written to the terminal)")
    secs = f"{args.seconds:.0f} s"
    print(f"  first paint (one full screen)       {paint:>8,} B")
    print(f"  live training, {secs:<21}{live:>8,} B = {live_rate:7,.0f} B/s")
    print(f"  polling only (job {status}), {secs:<10}{idle:>8,} B = {idle_rate:7,.0f} B/s")
    print(f"  a full repaint per {poll:.0f} s poll would be            = {full:7,.0f} B/s")
    print(f"  ratios to full repaints: live {live_rate / full:.2f}, polling {idle_rate / full:.3f}")
    print(f"  goal: polling only <= 2048 B/s: {'met' if idle_rate <= 2048 else 'NOT met'}")


if __name__ == "__main__":
    main()
