"""What ``tuiftune serve --trainer local`` configures."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ENGINE_MODULE = "tuiftune.server.trainers.local_engine"


@dataclass
class LocalOptions:
    """Base models, devices and how the engine is launched."""

    base_models: dict[str, str] = field(default_factory=dict)
    """Name (as listed in ``/v1/models``) -> the model folder."""
    devices: list[str] = field(default_factory=lambda: ["auto"])
    """One job at a time runs on each; with ``processes`` > 1 one run uses them all."""
    processes: int = 1
    """Training processes per run (torch's distributed launcher when > 1)."""
    inference_url: str | None = None
    """A vLLM server started with ``--enable-lora`` that answers instead of this process."""
    num_threads: int | None = None
    """torch threads per training process (tests use 1)."""
    dtype: str = "auto"
    keep_checkpoints: int = 3
    max_loaded_adapters: int = 4
    cancel_grace_seconds: float = 5.0
    """SIGTERM first; SIGKILL for the whole process group after this long."""
    poll_seconds: float = 0.2
    """How often a run's progress file is read."""
    python: str = sys.executable
    engine_command: list[str] | None = None
    """Replaces ``python -m ENGINE_MODULE`` (tests use a fake engine)."""
    generator_factory: Callable[[], Any] | None = None
    """Replaces the engine's ``Generator`` (tests use a stand-in)."""

    def command(self, config: str) -> list[str]:
        """The argv that trains one run from its config file."""
        if self.engine_command is not None:
            return [*self.engine_command, "train", "--config", config]
        if self.processes > 1:
            launcher = [self.python, "-m", "torch.distributed.run", "--standalone"]
            launcher += [f"--nproc_per_node={self.processes}", "-m", ENGINE_MODULE]
            return [*launcher, "train", "--config", config]
        return [self.python, "-m", ENGINE_MODULE, "train", "--config", config]
