"""A provider's jobs reused by another with one change to the spec before ``create``: Azure's
40-character suffix rule, Nebius' own hyperparameters on OpenAI's protocol."""

from __future__ import annotations

from collections.abc import Callable

from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.types import Checkpoint, Job, JobEvent, JobSpec, Page


class RewritingJobs(JobsProvider):
    """Another provider's jobs with the spec rewritten (or refused) before ``create``."""

    def __init__(self, inner: JobsProvider, rewrite: Callable[[JobSpec], JobSpec]) -> None:
        self.inner = inner
        self.rewrite = rewrite

    async def create(self, spec: JobSpec) -> Job:
        """Rewrite the spec (which may refuse it), then create."""
        return await self.inner.create(self.rewrite(spec))

    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[Job]:
        """One page of jobs."""
        return await self.inner.list(after=after, limit=limit, metadata=metadata)

    async def retrieve(self, job_id: str) -> Job:
        """One job."""
        return await self.inner.retrieve(job_id)

    async def cancel(self, job_id: str) -> Job:
        """Cancel a job."""
        return await self.inner.cancel(job_id)

    async def pause(self, job_id: str) -> Job:
        """Pause a job."""
        return await self.inner.pause(job_id)

    async def resume(self, job_id: str) -> Job:
        """Resume a job."""
        return await self.inner.resume(job_id)

    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[JobEvent]:
        """One page of events."""
        return await self.inner.list_events(job_id, after=after, limit=limit)

    async def list_checkpoints(
        self, job_id: str, *, after: str | None = None, limit: int = 10
    ) -> Page[Checkpoint]:
        """One page of checkpoints."""
        return await self.inner.list_checkpoints(job_id, after=after, limit=limit)

    async def file_content(self, file_id: str) -> bytes:
        """A file's bytes."""
        return await self.inner.file_content(file_id)

    def for_watching(self, request_timeout: float) -> JobsProvider:
        """The watcher's variant of the inner provider, with the same rewrite."""
        return RewritingJobs(self.inner.for_watching(request_timeout), self.rewrite)
