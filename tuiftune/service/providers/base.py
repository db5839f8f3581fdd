"""The provider seam: what tuiftune needs from a fine-tuning provider, in neutral types.

A provider is a bundle (``Provider``) of small interfaces: jobs, files, inference, and where
the provider has them batches and deployments. The one error contract: every method raises
the typed errors of ``tuiftune.service.errors`` (``ServiceError`` and its subclasses), never
an SDK's or HTTP library's own exceptions, so callers handle every provider the same way.
Write a new provider as one module under ``service/providers/`` and add one line to
``registry.BUILTIN`` (or publish an entry point in the ``tuiftune.providers`` group).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuiftune.service.errors import BadRequestError
from tuiftune.service.types import (
    BatchInfo,
    Checkpoint,
    CompletionResult,
    Deployment,
    FileRef,
    Job,
    JobEvent,
    JobSpec,
    ModelInfo,
    Page,
    SamplingParams,
    StreamItem,
)

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes sent so far, total bytes)."""
Messages = Sequence[Mapping[str, Any]]


class JobsProvider(ABC):
    """Fine-tuning jobs: create from a neutral spec, list, watch, control."""

    @abstractmethod
    async def create(self, spec: JobSpec) -> Job:
        """Create a job (the spec was already range-checked by ``JobsService``)."""

    @abstractmethod
    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[Job]:
        """One page of jobs, newest first; ``after`` is the last id of the previous page."""

    @abstractmethod
    async def retrieve(self, job_id: str) -> Job:
        """One job."""

    @abstractmethod
    async def cancel(self, job_id: str) -> Job:
        """Cancel a job that has not ended."""

    async def pause(self, job_id: str) -> Job:
        """Pause a running job; providers without pausing refuse."""
        raise _unsupported("pausing a job")

    async def resume(self, job_id: str) -> Job:
        """Resume a paused job; providers without pausing refuse."""
        raise _unsupported("resuming a job")

    @abstractmethod
    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[JobEvent]:
        """One page of a job's events, newest first; ``after`` walks toward older ones."""

    async def list_checkpoints(
        self, job_id: str, *, after: str | None = None, limit: int = 10
    ) -> Page[Checkpoint]:
        """One page of a job's checkpoints (none where the provider keeps none)."""
        return Page([], False)

    @abstractmethod
    async def file_content(self, file_id: str) -> bytes:
        """Raw bytes of a file the job names (its result file, its training file)."""

    def for_watching(self, request_timeout: float) -> JobsProvider:
        """The same provider with its own retries off and a short timeout, so that a watcher
        sees every failure and backs off itself; the default is this provider unchanged."""
        return self


class FilesProvider(ABC):
    """Uploaded files."""

    cache_scope: str = ""
    """Names the host for the upload cache: a file id only means something where it was made."""

    @abstractmethod
    async def upload(
        self,
        path: Path,
        *,
        purpose: str,
        size: int,
        md5: str,
        on_progress: ProgressCallback | None = None,
        large_file_threshold: int | None = None,
        part_size: int | None = None,
    ) -> FileRef:
        """Upload a local file with byte progress (in parts above ``large_file_threshold``,
        where the provider can); cancelling the task cancels the upload."""

    @abstractmethod
    async def upload_bytes(self, filename: str, data: bytes, *, purpose: str) -> FileRef:
        """Upload a small in-memory file (a batch's requests)."""

    @abstractmethod
    async def retrieve(self, file_id: str) -> FileRef:
        """One file's metadata."""

    @abstractmethod
    async def list(self, *, purpose: str | None = None) -> list[FileRef]:
        """Files, newest first."""

    @abstractmethod
    async def content(self, file_id: str) -> bytes:
        """A file's bytes."""


@dataclass(frozen=True)
class Embedded:
    """Embedding vectors of some texts, in their order, and the model that made them (as the
    provider reports it: a stand-in such as the local server's says so here)."""

    model: str
    vectors: list[list[float]]


class InferenceProvider(ABC):
    """Prompting models: chat and legacy completions, streamed or not, and the model list."""

    @abstractmethod
    def stream_chat(
        self,
        model: str,
        messages: Messages,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        """Text deltas as tokens arrive, then one ``CompletionResult``."""

    @abstractmethod
    def stream_completion(
        self,
        model: str,
        prompt: str,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        """A legacy (prompt -> text) completion, streamed."""

    @abstractmethod
    async def chat(
        self, model: str, messages: Messages, params: SamplingParams | None = None
    ) -> CompletionResult:
        """One chat completion, not streamed."""

    @abstractmethod
    async def complete(
        self, model: str, prompt: str, params: SamplingParams | None = None
    ) -> CompletionResult:
        """One legacy completion, not streamed."""

    @abstractmethod
    async def list_models(self) -> list[ModelInfo]:
        """Every model this endpoint serves, with its kind (and retirement date where known)."""

    def without_retries(self) -> InferenceProvider:
        """The same endpoint with the provider's own retries off (the caller retries)."""
        return self

    async def embed(
        self, model: str, texts: Sequence[str], *, dimensions: int | None = None
    ) -> Embedded:
        """Embedding vectors (OpenAI's ``/v1/embeddings``); ``BadRequestError`` where the
        provider has no such endpoint (callers fall back to a text search)."""
        raise _unsupported("embeddings")


class BatchesProvider(ABC):
    """Offline batches of requests (OpenAI's Batch API and the providers that copy it)."""

    @abstractmethod
    async def create(
        self,
        input_file_id: str,
        *,
        endpoint: str,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
    ) -> BatchInfo:
        """Start a batch over an uploaded JSONL of requests."""

    @abstractmethod
    async def retrieve(self, batch_id: str) -> BatchInfo:
        """One batch."""

    @abstractmethod
    async def cancel(self, batch_id: str) -> BatchInfo:
        """Cancel a batch."""


class DeploymentsProvider(ABC):
    """Where a fine-tuned model must be deployed before it answers (Azure, Together
    endpoints, Fireworks deployments)."""

    @abstractmethod
    async def list(self) -> list[Deployment]:
        """Every deployment."""

    @abstractmethod
    async def create(self, model: str, *, name: str | None = None) -> Deployment:
        """Deploy a model (it may take minutes to become ready: poll ``retrieve``)."""

    @abstractmethod
    async def retrieve(self, deployment_id: str) -> Deployment:
        """One deployment."""

    @abstractmethod
    async def delete(self, deployment_id: str) -> None:
        """Remove a deployment (hosted deployments cost money while they exist)."""


@dataclass
class Provider:
    """One provider's interfaces, built from a profile by the registry; close it when done."""

    name: str
    """The registry name (``openai``, ``together``, ...)."""
    label: str
    """What the header shows: OPENAI, AZURE, SANDBOX, a base URL."""
    jobs: JobsProvider
    files: FilesProvider
    inference: InferenceProvider
    batches: BatchesProvider | None = None
    deployments: DeploymentsProvider | None = None
    lora_settings: frozenset[str] = frozenset()
    """Which of ``service.lora.LORA_SETTINGS`` its jobs take (the Jobs form shows those; a
    spec with another is refused before any upload); none unless the provider says so."""
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def aclose(self) -> None:
        """Close the connections the provider opened (each once)."""
        closers, self.closers = self.closers, []
        for close in closers:
            await close()

    async def __aenter__(self) -> Provider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _unsupported(what: str) -> Exception:
    return BadRequestError(f"This provider does not support {what}.", status=None)
