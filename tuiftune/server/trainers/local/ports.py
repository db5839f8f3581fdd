"""What the local trainer's parts (supervisor, responders) need from the trainer itself.

A protocol, so those parts depend on this small surface rather than on the trainer module
(which builds them): no import cycle, not even a type-only one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from tuiftune.server.catalog import BaseModel
from tuiftune.server.records import JobRecord
from tuiftune.server.trainers.base import TrainerHost
from tuiftune.server.trainers.local.journal import RunJournal
from tuiftune.server.trainers.local.options import LocalOptions
from tuiftune.server.trainers.local.process import EngineProcess


class LocalTrainerPort(Protocol):
    """The local trainer as its supervisor and responders see it."""

    options: LocalOptions
    processes: dict[str, EngineProcess]

    @property
    def host(self) -> TrainerHost:
        """The server's clock, store and background tasks."""
        ...

    def base_model(self, name: str) -> BaseModel | None:
        """A served base model by name."""
        ...

    def base_folder(self, job: JobRecord) -> Path:
        """The folder of the job's base model."""
        ...

    def adapter_for(self, job: JobRecord, name: str) -> str | None:
        """The adapter folder behind a fine-tuned model or checkpoint name."""
        ...

    def journal(self, job: JobRecord) -> RunJournal:
        """The job's journal."""
        ...

    def enqueue(self, job: JobRecord) -> None:
        """Put the job at the end of the queue."""
        ...
