"""Server options (re-exported by ``tuiftune.server.app``)."""

from __future__ import annotations

import math
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
    max_upload_bytes: int = 512 * 1024 * 1024
    """The largest file ``POST /v1/files`` takes (OpenAI's is 512 MB); upload parts are capped
    by this too, and by their own 64 MB. Larger bodies are refused before they are read."""

    def __post_init__(self) -> None:
        # A bad value must fail here, not as a 500 on every request or a job stuck forever.
        if not math.isfinite(self.step_seconds) or self.step_seconds < 0:
            raise ValueError(f"step_seconds must be a finite number >= 0, not {self.step_seconds}")
        for name in ("latency_ms", "chunk_delay_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, not {getattr(self, name)}")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError(f"fail_rate must be between 0 and 1, not {self.fail_rate}")
        if self.rate_limit_rpm is not None and self.rate_limit_rpm <= 0:
            raise ValueError(f"rate_limit_rpm must be positive or None, not {self.rate_limit_rpm}")
        if not math.isfinite(self.hang_seconds) or self.hang_seconds < 0:
            raise ValueError(f"hang_seconds must be a finite number >= 0, not {self.hang_seconds}")
        if self.max_upload_bytes <= 0:
            raise ValueError(f"max_upload_bytes must be positive, not {self.max_upload_bytes}")
