"""The engine subprocess: its own process group, killed with its server, stopped on request."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _death_signal() -> Callable[[], None] | None:
    """A pre-exec hook that kills the child when the server dies (Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork, not inside it

    def arm() -> None:
        # SIGKILL, not SIGTERM: the engine reads SIGTERM as a cancel, and a server that died
        # did not cancel anything; restore resumes the job from its last state.
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return arm


@dataclass
class EngineProcess:
    """One running engine (or distributed launcher) and its process group."""

    process: asyncio.subprocess.Process

    @property
    def pid(self) -> int:
        """The engine's (and its group's) id."""
        return self.process.pid

    async def wait(self) -> int:
        """Wait for the exit; the return code."""
        return await self.process.wait()

    def signal(self, sig: int) -> None:
        """Signal the whole group (a distributed run has a launcher and its ranks)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    async def stop(self, grace: float) -> int:
        """SIGTERM, then SIGKILL for the group if it has not exited after ``grace`` seconds."""
        if self.process.returncode is None:
            self.signal(signal.SIGTERM)
            try:
                return await asyncio.wait_for(asyncio.shield(self.wait()), grace)
            except TimeoutError:
                pass
        self.signal(signal.SIGKILL)
        return await self.wait()


async def launch(argv: list[str], run_dir: Path, env: Mapping[str, str]) -> EngineProcess:
    """Start ``argv`` in ``run_dir`` in a new session; its output goes to RUN_DIR/engine.log."""
    log = await asyncio.to_thread(_open_log, run_dir)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=str(run_dir),
            env={**os.environ, **env},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=_death_signal(),
        )
    finally:
        os.close(log)
    return EngineProcess(process)


def _open_log(run_dir: Path) -> int:
    run_dir.mkdir(parents=True, exist_ok=True)
    return os.open(run_dir / "engine.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def last_log_line(run_dir: Path) -> str:
    """The engine's last non-empty output line, for an error message (blocking)."""
    try:
        with (run_dir / "engine.log").open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4096))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def kill_leftover(pgid: int | None, run_dir: Path) -> bool:
    """Kill a process group a previous server left running in ``run_dir`` (blocking)."""
    if not pgid:
        return False
    try:
        cwd = Path(os.readlink(f"/proc/{pgid}/cwd"))
    except OSError:
        return False
    # Only ours: a recycled pid elsewhere must not be touched.
    if cwd.resolve() != run_dir.resolve():
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
        return True
    return False
