"""The trainer seam: what the server asks of a trainer, and what it gives one.

A trainer turns a stored job into a plan (validation), runs it (``start``), obeys the user's
controls (``cancel``, ``pause``, ``resume``), picks its jobs up again after a restart
(``restore``), reports progress at any moment, and registers a ``Responder`` that answers
chat/completions for the models and checkpoints it produced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tuiftune.server.background import Background
from tuiftune.server.catalog import BaseModel
from tuiftune.server.clock import Clock
from tuiftune.server.generation import Generation
from tuiftune.server.records import JobRecord, TrainingPlan
from tuiftune.server.store import Store
from tuiftune.server.trainers.progress import JobProgress, StepMetrics

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class TrainingFile:
    """A file handed to a trainer: its id, name and bytes."""

    id: str
    filename: str
    data: bytes


@dataclass
class TrainerHost:
    """What the server lends a trainer: its clock, persistence and long-lived tasks."""

    clock: Clock
    store: Store
    """Files and jobs; ``store.save_job`` persists a job the trainer changed."""
    background: Background
    """Tasks that live as long as the app (its lifespan cancels them)."""
    find_model: Callable[[str], tuple[JobRecord, JobProgress] | None]
    """The job behind a fine-tuned model or checkpoint name (None if none or deleted)."""

    @property
    def state_dir(self) -> Path | None:
        """Where the trainer may keep run folders; None when state is in memory only."""
        return self.store.root


@dataclass(frozen=True)
class ResolvedModel:
    """A model that can answer, and which endpoints it answers on."""

    id: str
    base: BaseModel
    training_files: tuple[str, ...] = ()
    chat: bool = True
    completions: bool = False
    detail: Any = None
    """The responder's own handle on the model (an adapter folder, say)."""


@dataclass(frozen=True)
class ChatRequest:
    """One choice of a chat completion to produce."""

    messages: list[dict[str, Any]]
    gen: Generation
    tools: list[dict[str, Any]] | None
    completion_id: str
    choice: int


@dataclass(frozen=True)
class CompletionRequest:
    """One choice of a legacy completion to produce."""

    prompt: str
    gen: Generation
    choice: int


@dataclass(frozen=True)
class Piece:
    """A text delta; the last piece of a choice carries ``finish_reason`` and the usage."""

    text: str = ""
    finish_reason: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Responder(Protocol):
    """Answers chat/completions for the models a trainer knows (its bases and its outputs)."""

    def resolve(self, name: str) -> ResolvedModel | None:
        """The model behind ``name``, or None if this responder has no such model."""
        ...

    def chat(self, model: ResolvedModel, request: ChatRequest) -> AsyncIterator[Piece]:
        """Stream one choice of a chat completion."""
        ...

    def complete(self, model: ResolvedModel, request: CompletionRequest) -> AsyncIterator[Piece]:
        """Stream one choice of a legacy completion."""
        ...


class Trainer(Protocol):
    """Validates, runs and controls jobs; reports their progress; answers for their models."""

    def attach(self, host: TrainerHost) -> None:
        """Called once when the app is built, before any other hook."""
        ...

    def base_model(self, name: str) -> BaseModel | None:
        """The base model a name or alias stands for, if this trainer can train or serve it."""
        ...

    def base_models(self) -> Sequence[BaseModel]:
        """Every base model, as ``/v1/models`` lists them."""
        ...

    def hyperparameter_extras(self) -> Collection[str]:
        """Hyperparameters taken beyond OpenAI's (checked by ``plan``)."""
        ...

    async def plan(
        self, job: JobRecord, training: TrainingFile, validation: TrainingFile | None
    ) -> TrainingPlan:
        """Validate the files and resolve ``auto`` hyperparameters (errors go in the plan)."""
        ...

    async def start(self, job: JobRecord) -> None:
        """Begin a stored, planned job (or queue it)."""
        ...

    async def cancel(self, job: JobRecord) -> None:
        """Stop a job for good."""
        ...

    async def pause(self, job: JobRecord) -> None:
        """Stop a running job so that ``resume`` can continue it."""
        ...

    async def resume(self, job: JobRecord) -> None:
        """Continue a paused job."""
        ...

    async def restore(self, jobs: Sequence[JobRecord]) -> None:
        """After a restart: pick up every unfinished job (resume it, or fail it clearly)."""
        ...

    async def close(self) -> None:
        """The app is stopping: stop what runs, keeping what ``restore`` needs."""
        ...

    def progress(self, job: JobRecord, now: float) -> JobProgress:
        """The job's state at ``now``; must be cheap, it runs on every read."""
        ...

    def result_metrics(self, job: JobRecord) -> Sequence[StepMetrics]:
        """Every step's metrics of a succeeded job, for its results file."""
        ...

    def extra_results(self, job: JobRecord) -> Sequence[tuple[str, bytes]]:
        """More results files of a succeeded job, (filename, content), after the metrics CSV
        (the local trainer's per-example losses); blocking, called in a thread."""
        ...

    def responder(self) -> Responder:
        """What answers chat/completions for this trainer's models."""
        ...
