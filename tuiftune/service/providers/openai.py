"""The OpenAI provider: api.openai.com, Azure OpenAI, and any OpenAI-compatible URL (vLLM,
the local ``tuiftune serve`` and the in-process sandbox) through the ``openai`` SDK.

Every call runs inside ``translated()``, so the SDK's exceptions leave as the typed errors of
``service/errors.py``; every object leaves as a neutral type (``openai_convert``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

import aiofiles
import openai
from openai import AsyncStream
from openai.types.fine_tuning import FineTuningJob

from tuiftune.config import BackendKind, ResolvedProfile
from tuiftune.service.client import build_client, build_inference_client
from tuiftune.service.errors import ServiceError, translated
from tuiftune.service.providers.base import (
    BatchesProvider,
    FilesProvider,
    InferenceProvider,
    JobsProvider,
    Messages,
    ProgressCallback,
    Provider,
)
from tuiftune.service.providers.openai_convert import (
    batch_from_openai,
    checkpoint_from_openai,
    create_body,
    event_from_openai,
    file_from_openai,
    job_from_openai,
    model_from_openai,
    usage_from_openai,
)
from tuiftune.service.providers.registry import ProviderOptions
from tuiftune.service.types import (
    BatchInfo,
    Checkpoint,
    CompletionResult,
    FileRef,
    Job,
    JobEvent,
    JobSpec,
    ModelInfo,
    Page,
    SamplingParams,
    StreamItem,
    TextDelta,
    Usage,
)

JSONL_MIME = "application/jsonl"
DEFAULT_PART_SIZE = 64 * 1024 * 1024
KNOWN_CREATE_FIELDS = frozenset(
    {
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
)


def _opt(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def _page(data: list[Any], has_more: bool | None) -> Any:
    # A server that omits has_more may still have more: keep paging until a page is empty.
    return Page(data, bool(data) if has_more is None else has_more)


class OpenAIJobs(JobsProvider):
    """Fine-tuning jobs over an ``openai.AsyncOpenAI`` (or ``AsyncAzureOpenAI``) client."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self.client = client

    async def create(self, spec: JobSpec) -> Job:
        """Create a job; fields the SDK does not know yet travel in ``extra_body``."""
        body = create_body(spec)
        args = {k: v for k, v in body.items() if k in KNOWN_CREATE_FIELDS}
        extra = {k: v for k, v in body.items() if k not in KNOWN_CREATE_FIELDS}
        async with translated(fine_tuning=True):
            job = await self.client.fine_tuning.jobs.create(**args, extra_body=extra or None)
        return job_from_openai(job)

    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[Job]:
        """One page of jobs."""
        async with translated():
            page = await self.client.fine_tuning.jobs.list(
                **_opt(after=after, metadata=metadata), limit=limit
            )
        result: Page[Job] = _page([job_from_openai(j) for j in page.data], page.has_more)
        return result

    async def retrieve(self, job_id: str) -> Job:
        """One job."""
        async with translated():
            return job_from_openai(await self.client.fine_tuning.jobs.retrieve(job_id))

    async def cancel(self, job_id: str) -> Job:
        """Cancel a job."""
        async with translated(fine_tuning=True):
            return job_from_openai(await self.client.fine_tuning.jobs.cancel(job_id))

    async def _post_action(self, job_id: str, action: str) -> Job:
        jobs = self.client.fine_tuning.jobs
        method = getattr(jobs, action, None)
        async with translated(fine_tuning=True):
            if method is not None:
                return job_from_openai(await method(job_id))
            # Older SDKs lack pause/resume: the endpoint exists, so post to it directly.
            job = await self.client.post(
                f"/fine_tuning/jobs/{job_id}/{action}", cast_to=FineTuningJob, body=None
            )
        return job_from_openai(job)

    async def pause(self, job_id: str) -> Job:
        """Pause a job."""
        return await self._post_action(job_id, "pause")

    async def resume(self, job_id: str) -> Job:
        """Resume a job."""
        return await self._post_action(job_id, "resume")

    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[JobEvent]:
        """One page of events, newest first."""
        async with translated():
            page = await self.client.fine_tuning.jobs.list_events(
                job_id, **_opt(after=after), limit=limit
            )
        result: Page[JobEvent] = _page([event_from_openai(e) for e in page.data], page.has_more)
        return result

    async def list_checkpoints(
        self, job_id: str, *, after: str | None = None, limit: int = 10
    ) -> Page[Checkpoint]:
        """One page of checkpoints."""
        async with translated():
            page = await self.client.fine_tuning.jobs.checkpoints.list(
                job_id, **_opt(after=after), limit=limit
            )
        data = [checkpoint_from_openai(c) for c in page.data]
        result: Page[Checkpoint] = _page(data, page.has_more)
        return result

    async def file_content(self, file_id: str) -> bytes:
        """Download a file's bytes."""
        async with translated():
            return (await self.client.files.content(file_id)).content

    def for_watching(self, request_timeout: float) -> JobsProvider:
        """The SDK's own retries off, so every failure shows up in the connection state."""
        return OpenAIJobs(self.client.with_options(max_retries=0, timeout=request_timeout))


class _ProgressBuffer(io.BytesIO):
    """In-memory file whose reads (done by the HTTP client as it sends) report progress."""

    def __init__(self, data: bytes, report: Callable[[int], None]) -> None:
        super().__init__(data)
        self._report = report

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self._report(self.tell())
        return chunk


class OpenAIFiles(FilesProvider):
    """Files and the Uploads API (parts) for files too large for one request."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self.client = client
        self.cache_scope = str(client.base_url)

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
        """One request, or the Uploads API above ``large_file_threshold``."""
        async with translated():
            if large_file_threshold is not None and size > large_file_threshold:
                fobj = await self._parts(
                    path, purpose, size, md5, part_size or DEFAULT_PART_SIZE, on_progress
                )
            else:
                fobj = await self._single(path, purpose, size, on_progress)
        return file_from_openai(fobj)

    async def _single(
        self, path: Path, purpose: str, size: int, progress: ProgressCallback | None
    ) -> Any:
        async with aiofiles.open(path, "rb") as fh:
            data = await fh.read()
        buffer = _ProgressBuffer(
            data, lambda sent: progress(min(sent, size), size) if progress else None
        )
        return await self.client.files.create(
            file=(path.name, buffer, JSONL_MIME),
            purpose=purpose,  # type: ignore[arg-type]
        )

    async def _parts(
        self,
        path: Path,
        purpose: str,
        size: int,
        md5: str,
        part_size: int,
        progress: ProgressCallback | None,
    ) -> Any:
        uploads = self.client.uploads
        upload = await uploads.create(
            bytes=size,
            filename=path.name,
            mime_type=JSONL_MIME,
            purpose=purpose,  # type: ignore[arg-type]
        )
        part_ids: list[str] = []
        try:
            async with aiofiles.open(path, "rb") as fh:
                offset = 0
                while offset < size:
                    chunk = await fh.read(part_size)
                    if not chunk:
                        break
                    base = offset

                    def report(sent: int, base: int = base) -> None:
                        if progress:
                            progress(min(base + sent, size), size)

                    part = await uploads.parts.create(
                        upload.id, data=(path.name, _ProgressBuffer(chunk, report))
                    )
                    part_ids.append(part.id)
                    offset += len(chunk)
            done = await uploads.complete(upload.id, part_ids=part_ids, md5=md5)
        except BaseException:
            # Cancelled or failed: do not leave a pending upload holding storage for an hour.
            with contextlib.suppress(Exception):
                await asyncio.shield(uploads.cancel(upload.id))
            raise
        if done.file is None:
            raise ServiceError(
                f"The upload of {path.name} completed without a file (status {done.status})."
            )
        return done.file

    async def upload_bytes(self, filename: str, data: bytes, *, purpose: str) -> FileRef:
        """A small in-memory file."""
        async with translated():
            fobj = await self.client.files.create(
                file=(filename, data),
                purpose=purpose,  # type: ignore[arg-type]
            )
        return file_from_openai(fobj)

    async def retrieve(self, file_id: str) -> FileRef:
        """One file's metadata."""
        async with translated():
            return file_from_openai(await self.client.files.retrieve(file_id))

    async def list(self, *, purpose: str | None = None) -> list[FileRef]:
        """The first page of files (newest first), of one purpose if given."""
        async with translated():
            page = await self.client.files.list(**_opt(purpose=purpose))
        return [file_from_openai(f) for f in page.data]

    async def content(self, file_id: str) -> bytes:
        """A file's bytes."""
        async with translated():
            return (await self.client.files.content(file_id)).content


def _usage_kwargs(include_usage: bool) -> dict[str, Any]:
    return {"stream_options": {"include_usage": True}} if include_usage else {}


async def _relay(
    stream: AsyncStream[Any], text_of: Callable[[Any], str | None]
) -> AsyncIterator[StreamItem]:
    """Turn SDK chunks into deltas plus one final result; closes the stream however it ends."""
    parts: list[str] = []
    finish: str | None = None
    usage: Usage | None = None
    model_name: str | None = None
    completion_id: str | None = None
    async with stream:
        async for chunk in stream:
            model_name = chunk.model or model_name
            completion_id = chunk.id or completion_id
            usage = usage_from_openai(chunk.usage) or usage
            for choice in chunk.choices:
                if choice.index != 0:
                    continue
                text = text_of(choice)
                if text:
                    parts.append(text)
                    yield TextDelta(text)
                finish = choice.finish_reason or finish
    yield CompletionResult("".join(parts), finish, usage, model_name, completion_id)


def _chat_text(choice: Any) -> str | None:
    return choice.delta.content if choice.delta else None


def _completion_text(choice: Any) -> str | None:
    text: str | None = choice.text
    return text


class OpenAIInference(InferenceProvider):
    """Chat and legacy completions, streamed or not, and the model list."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self.client = client

    async def stream_chat(
        self,
        model: str,
        messages: Messages,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        """Stream a chat completion: text deltas, then a ``CompletionResult``."""
        params = params or SamplingParams()
        async with translated():
            response = await self.client.chat.completions.create(
                model=model,
                messages=list(messages),  # type: ignore[arg-type]
                stream=True,
                **_usage_kwargs(include_usage),
                **params.kwargs(chat=True),
            )
            async for item in _relay(cast(AsyncStream[Any], response), _chat_text):
                yield item

    async def stream_completion(
        self,
        model: str,
        prompt: str,
        params: SamplingParams | None = None,
        *,
        include_usage: bool = True,
    ) -> AsyncIterator[StreamItem]:
        """Stream a legacy completion: deltas, then the result."""
        params = params or SamplingParams()
        async with translated():
            stream = await self.client.completions.create(
                model=model,
                prompt=prompt,
                stream=True,
                **_usage_kwargs(include_usage),
                **params.kwargs(chat=False),
            )
            async for item in _relay(cast(AsyncStream[Any], stream), _completion_text):
                yield item

    async def chat(
        self, model: str, messages: Messages, params: SamplingParams | None = None
    ) -> CompletionResult:
        """One chat completion, not streamed."""
        params = params or SamplingParams()
        async with translated():
            resp = await self.client.chat.completions.create(
                model=model,
                messages=list(messages),  # type: ignore[arg-type]
                **params.kwargs(chat=True),
            )
        choice = resp.choices[0] if resp.choices else None
        text = (choice.message.content or "") if choice else ""
        finish = choice.finish_reason if choice else None
        return CompletionResult(text, finish, usage_from_openai(resp.usage), resp.model, resp.id)

    async def complete(
        self, model: str, prompt: str, params: SamplingParams | None = None
    ) -> CompletionResult:
        """One legacy completion, not streamed."""
        params = params or SamplingParams()
        async with translated():
            resp = await self.client.completions.create(
                model=model, prompt=prompt, **params.kwargs(chat=False)
            )
        choice = resp.choices[0] if resp.choices else None
        return CompletionResult(
            choice.text if choice else "",
            choice.finish_reason if choice else None,
            usage_from_openai(resp.usage),
            resp.model,
            resp.id,
        )

    async def list_models(self) -> list[ModelInfo]:
        """Every model of the endpoint, in the server's order."""
        async with translated():
            return [model_from_openai(m) async for m in self.client.models.list()]

    def without_retries(self) -> InferenceProvider:
        """The SDK's retries off: the eval runner retries with its own backoff."""
        return OpenAIInference(self.client.with_options(max_retries=0))


class OpenAIBatches(BatchesProvider):
    """The Batch API."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self.client = client

    async def create(
        self,
        input_file_id: str,
        *,
        endpoint: str,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
    ) -> BatchInfo:
        """Start a batch."""
        async with translated():
            batch = await self.client.batches.create(
                input_file_id=input_file_id,
                endpoint=endpoint,  # type: ignore[arg-type]
                completion_window=completion_window,  # type: ignore[arg-type]
                metadata=metadata,
            )
        return batch_from_openai(batch)

    async def retrieve(self, batch_id: str) -> BatchInfo:
        """One batch."""
        async with translated():
            return batch_from_openai(await self.client.batches.retrieve(batch_id))

    async def cancel(self, batch_id: str) -> BatchInfo:
        """Cancel a batch."""
        async with translated():
            return batch_from_openai(await self.client.batches.cancel(batch_id))


def coerce_client(source: Any) -> Any:
    """A bare SDK client as this provider's interfaces (for call sites still handing one in
    while they move to ``Provider``); anything else is returned as it is."""
    if isinstance(source, openai.AsyncOpenAI):
        return from_clients(source, close=False)
    return source


def profile_label(profile: ResolvedProfile) -> str:
    """What the header shows: OPENAI, AZURE, the base URL of a compatible server, or SANDBOX."""
    if profile.kind is BackendKind.SANDBOX:
        return "SANDBOX"
    if profile.kind is BackendKind.COMPATIBLE:
        return str(profile.base_url or "compatible")
    return str(profile.kind).upper()


def from_clients(
    client: openai.AsyncOpenAI,
    inference_client: openai.AsyncOpenAI | None = None,
    *,
    label: str = "OPENAI",
    close: bool = True,
) -> Provider:
    """A provider over existing SDK clients (closed with the provider when ``close``)."""
    inference = inference_client or client
    provider = Provider(
        name="openai",
        label=label,
        jobs=OpenAIJobs(client),
        files=OpenAIFiles(client),
        inference=OpenAIInference(inference),
        batches=OpenAIBatches(inference),
    )
    if close:
        provider.closers.append(client.close)
        if inference is not client:
            provider.closers.append(inference.close)
    return provider


def create_provider(profile: ResolvedProfile, options: ProviderOptions) -> Provider:
    """The registry's factory: clients for the profile's fine-tuning and inference endpoints."""
    kw: dict[str, Any] = {
        "timeout": options.timeout,
        "max_retries": options.max_retries,
        "http_client": options.http_client,
        "base_url": options.base_url,
    }
    client = build_client(profile, **kw)
    inference = build_inference_client(profile, **kw) if profile.inference is not None else None
    return from_clients(client, inference, label=options.label or profile_label(profile))
