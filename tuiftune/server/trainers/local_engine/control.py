"""Cancel (SIGTERM), pause (a control file) and parent death, read between steps.

Outside the step loop (imports, loading, tokenizing) a SIGTERM ends the process at once; inside it,
the current step finishes and the loop stops. If the server dies (even by kill -9) the run must
not survive it: Linux's PR_SET_PDEATHSIG delivers SIGHUP when the parent goes, and a watcher thread
also polls the parent (and, under torch's launcher, the launcher's parent, i.e. the server).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

PR_SET_PDEATHSIG = 1
ORPHAN_EXIT = 3


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (2nd field) may hold spaces; it ends at the last ')'.
    return int(stat.rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Control:
    """Flags the loop polls: ``cancel``, ``orphaned``, and the pause file."""

    def __init__(self, run_dir: Path, on_early_exit: Callable[[str], None]) -> None:
        self.pause_file = run_dir / "control" / "pause"
        self.cancel = False
        self.orphaned = False
        self.in_loop = False
        self._on_early_exit = on_early_exit
        self._parent = os.getppid()
        self._watched = [self._parent]
        if "TORCHELASTIC_RUN_ID" in os.environ or "LOCAL_RANK" in os.environ:
            grand = _parent_of(self._parent)
            if grand and grand > 1:
                self._watched.append(grand)
        self._stop = threading.Event()
        self._previous = {
            signal.SIGTERM: signal.signal(signal.SIGTERM, self._terminate),
            signal.SIGINT: signal.signal(signal.SIGINT, self._terminate),
            signal.SIGHUP: signal.signal(signal.SIGHUP, self._parent_gone),
        }
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                libc.prctl(PR_SET_PDEATHSIG, signal.SIGHUP, 0, 0, 0)
            except (OSError, AttributeError):
                pass  # the watcher thread below still catches it within a second
        thread = threading.Thread(target=self._watch, name="parent-watch", daemon=True)
        thread.start()

    def close(self) -> None:
        """Stop watching and put the previous signal handlers back (for in-process runs)."""
        self._stop.set()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def paused(self) -> bool:
        """Whether the server asked for a pause."""
        return self.pause_file.exists()

    def _terminate(self, signum: int, frame: FrameType | None) -> None:
        self.cancel = True
        if not self.in_loop:
            self._on_early_exit("cancelled")
            os._exit(0)

    def _parent_gone(self, signum: int, frame: FrameType | None) -> None:
        self._orphan()

    def _orphan(self) -> None:
        self.orphaned = True
        if not self.in_loop:
            self._on_early_exit("orphaned")
            os._exit(ORPHAN_EXIT)

    def _watch(self) -> None:
        stop = self._stop
        while not stop.wait(0.5):
            if os.getppid() != self._parent or not all(_alive(p) for p in self._watched):
                self._orphan()
                # Inside the loop the main thread saves a state and exits; make sure it does.
                if not stop.wait(120):
                    os._exit(ORPHAN_EXIT)
                return
