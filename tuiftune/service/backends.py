"""The jobs backend interface and its OpenAI implementation (also used for Azure OpenAI).

A backend is a thin, typed wrapper over one provider's fine-tuning API; it raises the SDK's
exceptions untouched so that callers (the jobs service, the watcher) decide how to map them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import openai
from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paginated list; pass ``next_after`` as ``after`` for the next page."""

    data: list[T]
    has_more: bool

    @property
    def next_after(self) -> str | None:
        """The cursor for the next page, or None at the end."""
        if not self.has_more or not self.data:
            return None
        return str(getattr(self.data[-1], "id", "")) or None


class JobsBackend(Protocol):
    """What the app needs from a fine-tuning provider."""

    async def create(self, body: dict[str, Any]) -> FineTuningJob:
        """Create a job from a request body (see ``jobs.build_create_body``)."""
        ...

    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[FineTuningJob]:
        """One page of jobs, newest first."""
        ...

    async def retrieve(self, job_id: str) -> FineTuningJob:
        """One job."""
        ...

    async def cancel(self, job_id: str) -> FineTuningJob:
        """Cancel a job."""
        ...

    async def pause(self, job_id: str) -> FineTuningJob:
        """Pause a running job."""
        ...

    async def resume(self, job_id: str) -> FineTuningJob:
        """Resume a paused job."""
        ...

    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[FineTuningJobEvent]:
        """One page of a job's events, newest first; ``after`` walks toward older ones."""
        ...

    async def list_checkpoints(
        self, job_id: str, *, after: str | None = None, limit: int = 10
    ) -> Page[FineTuningJobCheckpoint]:
        """One page of a job's checkpoints."""
        ...

    async def file_content(self, file_id: str) -> bytes:
        """Raw bytes of a file (e.g. the job's result file)."""
        ...


def _opt(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def _page(data: list[T], has_more: bool | None) -> Page[T]:
    # A server that omits has_more may still have more: keep paging until a page is empty.
    return Page(data, bool(data) if has_more is None else has_more)


class OpenAIJobsBackend:
    """``JobsBackend`` over an ``openai.AsyncOpenAI`` (or ``AsyncAzureOpenAI``) client."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self.client = client

    async def create(self, body: dict[str, Any]) -> FineTuningJob:
        """Create a job; keys the SDK does not know yet travel in ``extra_body``."""
        known = {
            "model",
            "training_file",
            "hyperparameters",
            "integrations",
            "metadata",
            "method",
            "seed",
            "suffix",
            "validation_file",
        }
        args = {k: v for k, v in body.items() if k in known}
        extra = {k: v for k, v in body.items() if k not in known}
        return await self.client.fine_tuning.jobs.create(**args, extra_body=extra or None)

    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[FineTuningJob]:
        """One page of jobs."""
        page = await self.client.fine_tuning.jobs.list(
            **_opt(after=after, metadata=metadata), limit=limit
        )
        return _page(list(page.data), page.has_more)

    async def retrieve(self, job_id: str) -> FineTuningJob:
        """One job."""
        return await self.client.fine_tuning.jobs.retrieve(job_id)

    async def cancel(self, job_id: str) -> FineTuningJob:
        """Cancel a job."""
        return await self.client.fine_tuning.jobs.cancel(job_id)

    async def _post_action(self, job_id: str, action: str) -> FineTuningJob:
        jobs = self.client.fine_tuning.jobs
        method = getattr(jobs, action, None)
        if method is not None:
            result: FineTuningJob = await method(job_id)
            return result
        # Older SDKs lack pause/resume: the endpoint exists, so post to it directly.
        return await self.client.post(
            f"/fine_tuning/jobs/{job_id}/{action}", cast_to=FineTuningJob, body=None
        )

    async def pause(self, job_id: str) -> FineTuningJob:
        """Pause a job."""
        return await self._post_action(job_id, "pause")

    async def resume(self, job_id: str) -> FineTuningJob:
        """Resume a job."""
        return await self._post_action(job_id, "resume")

    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[FineTuningJobEvent]:
        """One page of events, newest first."""
        page = await self.client.fine_tuning.jobs.list_events(
            job_id, **_opt(after=after), limit=limit
        )
        return _page(list(page.data), page.has_more)

    async def list_checkpoints(
        self, job_id: str, *, after: str | None = None, limit: int = 10
    ) -> Page[FineTuningJobCheckpoint]:
        """One page of checkpoints."""
        page = await self.client.fine_tuning.jobs.checkpoints.list(
            job_id, **_opt(after=after), limit=limit
        )
        return _page(list(page.data), page.has_more)

    async def file_content(self, file_id: str) -> bytes:
        """Download a file's bytes."""
        response = await self.client.files.content(file_id)
        return response.content
