"""Server options (re-exported by ``tuiftune.server.app``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ServerOptions:
    """How the local server behaves: pace, faults, persistence and determinism."""

    step_seconds: float = 0.5
    """Simulated seconds per training step; a demo job with ~30 steps takes 15 s at 0.5."""
    latency_ms: int = 0
    """Delay added to every request."""
    fail_rate: float = 0.0
    """Fraction of API requests that fail (500, 503, 429, and over TCP drops and hangs)."""
    rate_limit_rpm: int | None = None
    """Requests per minute before 429s (sliding window); None means no limit."""
    state_dir: Path | None = None
    """Keep state as JSON files and blobs here, so it survives restarts; None keeps it in memory."""
    seed: int = 0
    """Seeds faults, default job seeds and sampling, so runs are reproducible."""
    org: str = "sandbox"
    """The organization in fine-tuned model names (``ft:<base>:<org>:...``)."""
    clock: Callable[[], float] = time.time
    """Where time comes from; tests pass a ``ManualClock``."""
    network_faults: bool = False
    """Let ``fail_rate`` also drop connections and hang (only meaningful over TCP)."""
    hang_seconds: float = 30.0
    """How long a hang fault stalls before giving up, unless the client leaves first."""
    chunk_delay_ms: int = 0
    """Pause between streamed chunks, so streaming is visible in a demo."""
    reload_state: bool = False
    """Before each request, take in what other processes wrote to ``state_dir`` (one state
    folder shared by several processes, like the sandbox of every ``tuiftune`` command)."""
