"""A second provider, written only against ``tuiftune.service.providers.base``: jobs kept in a
JSON file, as a minimal stand-in for any hosted provider.

The file (the profile's ``options.state``) holds ``{"jobs": [...]}``; each job has the neutral
fields plus ``script`` (the statuses it goes through, one per ``retrieve``) and ``events``
(each with ``at``: the script step from which it is visible). The state is read and written
on every call, so separate processes (the CLI, the app) see the same jobs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuiftune.config import ConfigError, ResolvedProfile
from tuiftune.service.errors import BadRequestError, NotFoundError
from tuiftune.service.providers.base import (
    FilesProvider,
    InferenceProvider,
    JobsProvider,
    Messages,
    ProgressCallback,
    Provider,
)
from tuiftune.service.providers.registry import ProviderOptions
from tuiftune.service.types import (
    Checkpoint,
    CompletionResult,
    FileRef,
    Job,
    JobError,
    JobEvent,
    JobSpec,
    ModelInfo,
    ModelKind,
    Page,
    ProviderExtras,
    SamplingParams,
    StreamItem,
    TextDelta,
)

NAME = "filefake"


@dataclass(frozen=True)
class FileFakeInfo(ProviderExtras):
    """What only this provider says about a job (as Together's queue depth)."""

    queue_position: int | None = None
    note: str | None = None


class _State:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def save(self, data: dict[str, Any]) -> None:
        self.path.write_text(json.dumps(data, indent=1), encoding="utf-8")

    def job(self, data: dict[str, Any], job_id: str) -> dict[str, Any]:
        for raw in data["jobs"]:
            if raw["id"] == job_id:
                found: dict[str, Any] = raw
                return found
        raise NotFoundError(f"Not found: no job {job_id} in {self.path.name}", status=404)


def _job(raw: dict[str, Any]) -> Job:
    """The job as its last ``retrieve`` left it (``shown``: its index in the script)."""
    error = raw.get("error")
    status = raw["script"][raw.get("shown", 0)]
    return Job(
        id=raw["id"],
        status=status,
        model=raw["model"],
        created_at=raw["created_at"],
        fine_tuned_model=raw.get("fine_tuned_model") if status == "succeeded" else None,
        method=raw.get("method", "supervised"),
        hyperparameters=dict(raw.get("hyperparameters", {})),
        error=JobError(**error) if error else None,
        training_file=raw.get("training_file", ""),
        suffix=raw.get("suffix"),
        extras=(FileFakeInfo(**raw["info"]),) if raw.get("info") else (),
    )


class FileJobs(JobsProvider):
    """Jobs from the state file; each ``retrieve`` moves a job one step along its script."""

    def __init__(self, state: _State) -> None:
        self.state = state

    async def create(self, spec: JobSpec) -> Job:
        raise BadRequestError("the file fake does not create jobs")

    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[Job]:
        jobs = sorted(self.state.load()["jobs"], key=lambda j: -j["created_at"])
        if after is not None:
            ids = [j["id"] for j in jobs]
            jobs = jobs[ids.index(after) + 1 :] if after in ids else []
        return Page([_job(j) for j in jobs[:limit]], len(jobs) > limit)

    async def retrieve(self, job_id: str) -> Job:
        data = self.state.load()
        raw = self.state.job(data, job_id)
        if "shown" in raw:
            raw["shown"] = min(raw["shown"] + 1, len(raw["script"]) - 1)
        else:
            raw["shown"] = 0
        self.state.save(data)
        return _job(raw)

    async def cancel(self, job_id: str) -> Job:
        data = self.state.load()
        raw = self.state.job(data, job_id)
        raw["script"], raw["shown"] = ["cancelled"], 0
        self.state.save(data)
        return _job(raw)

    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[JobEvent]:
        raw = self.state.job(self.state.load(), job_id)
        # An event is visible once a retrieve has shown its step; newest first, as OpenAI.
        events = [
            JobEvent(
                e["id"],
                e["created_at"],
                e.get("level", "info"),
                e["message"],
                e.get("type", "message"),
                e.get("data"),
            )
            for e in raw.get("events", [])
            if e.get("at", 0) <= raw.get("shown", 0)
        ][::-1]
        if after is not None:
            ids = [e.id for e in events]
            events = events[ids.index(after) + 1 :] if after in ids else []
        return Page(events[:limit], len(events) > limit)

    async def list_checkpoints(
        self, job_id: str, *, after: str | None = None, limit: int = 10
    ) -> Page[Checkpoint]:
        raw = self.state.job(self.state.load(), job_id)
        ckpts = [Checkpoint(**c) for c in raw.get("checkpoints", [])] if after is None else []
        return Page(ckpts, False)

    async def file_content(self, file_id: str) -> bytes:
        raise NotFoundError(f"Not found: no file {file_id}", status=404)


class FileFiles(FilesProvider):
    """No files: this fake only watches jobs."""

    cache_scope = NAME

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
        raise BadRequestError("the file fake takes no uploads")

    async def upload_bytes(self, filename: str, data: bytes, *, purpose: str) -> FileRef:
        raise BadRequestError("the file fake takes no uploads")

    async def retrieve(self, file_id: str) -> FileRef:
        raise NotFoundError(f"Not found: no file {file_id}", status=404)

    async def list(self, *, purpose: str | None = None) -> list[FileRef]:
        return []

    async def content(self, file_id: str) -> bytes:
        raise NotFoundError(f"Not found: no file {file_id}", status=404)


class EchoInference(InferenceProvider):
    """Answers with the last message, reversed (enough to tell it from any real model)."""

    def _answer(self, messages: Messages) -> str:
        return str(messages[-1].get("content", ""))[::-1] if messages else ""

    async def stream_chat(
        self,
        model: str,
        messages: Messages,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        text = self._answer(messages)
        yield TextDelta(text)
        yield CompletionResult(text, "stop", None, model)

    async def stream_completion(
        self,
        model: str,
        prompt: str,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        yield TextDelta(prompt[::-1])
        yield CompletionResult(prompt[::-1], "stop", None, model)

    async def chat(
        self, model: str, messages: Messages, params: SamplingParams | None = None
    ) -> CompletionResult:
        return CompletionResult(self._answer(messages), "stop", None, model)

    async def complete(
        self, model: str, prompt: str, params: SamplingParams | None = None
    ) -> CompletionResult:
        return CompletionResult(prompt[::-1], "stop", None, model)

    async def list_models(self) -> list[ModelInfo]:
        return [ModelInfo("echo-1", ModelKind.BASE, None, NAME)]


def create(profile: ResolvedProfile, options: ProviderOptions) -> Provider:
    """The registry's factory: the profile's ``options.state`` names the state file."""
    path = profile.options.get("state")
    if not path:
        raise ConfigError(f"profile {profile.name!r} (provider {NAME}) needs options.state")
    state = _State(Path(path))
    label = options.label or NAME.upper()
    return Provider(NAME, label, FileJobs(state), FileFiles(), EchoInference())
