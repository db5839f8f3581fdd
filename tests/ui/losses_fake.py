"""A provider holding finished jobs and their result files in memory: a trainer that wrote
per-example losses (as the local trainer does), for the editor's losses view."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.file_provider import EchoInference
from tuiftune.service.errors import BadRequestError, NotFoundError
from tuiftune.service.providers.base import FilesProvider, JobsProvider, ProgressCallback, Provider
from tuiftune.service.types import FileRef, Job, JobEvent, JobSpec, Page


class ResultJobs(JobsProvider):
    """The given jobs; ``file_content`` serves the given files."""

    def __init__(self, jobs: list[Job], files: dict[str, tuple[str, bytes]]) -> None:
        self.jobs, self.files = jobs, files

    async def create(self, spec: JobSpec) -> Job:
        raise BadRequestError("this fake creates no jobs")

    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[Job]:
        return Page(self.jobs[:limit], len(self.jobs) > limit)

    async def retrieve(self, job_id: str) -> Job:
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise NotFoundError(f"no job {job_id}", status=404)

    async def cancel(self, job_id: str) -> Job:
        raise BadRequestError("finished")

    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[JobEvent]:
        return Page([], False)

    async def file_content(self, file_id: str) -> bytes:
        if file_id not in self.files:
            raise NotFoundError(f"no file {file_id}", status=404)
        return self.files[file_id][1]


class ResultFiles(FilesProvider):
    """The result files' metadata; no uploads."""

    def __init__(self, files: dict[str, tuple[str, bytes]]) -> None:
        self.files = files

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
        raise BadRequestError("no uploads")

    async def upload_bytes(self, filename: str, data: bytes, *, purpose: str) -> FileRef:
        raise BadRequestError("no uploads")

    async def retrieve(self, file_id: str) -> FileRef:
        if file_id not in self.files:
            raise NotFoundError(f"no file {file_id}", status=404)
        name, data = self.files[file_id]
        return FileRef(file_id, name, len(data), "fine-tune-results")

    async def list(self, *, purpose: str | None = None) -> list[FileRef]:
        return []

    async def content(self, file_id: str) -> bytes:
        if file_id not in self.files:
            raise NotFoundError(f"no file {file_id}", status=404)
        return self.files[file_id][1]


def results_provider(jobs: list[Job], files: dict[str, tuple[str, bytes]]) -> Provider:
    """A provider over ``jobs`` whose result files are ``files`` (id -> (name, bytes))."""
    return Provider(
        "results", "RESULTS", ResultJobs(jobs, files), ResultFiles(files), EchoInference()
    )
