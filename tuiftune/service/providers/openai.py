"""The OpenAI provider: api.openai.com, Azure OpenAI, and any OpenAI-compatible URL (vLLM,
the local ``tuiftune serve`` and the in-process sandbox) through the ``openai`` SDK.

Jobs live here; files and batches in ``openai_files``, inference in ``openai_inference``.

Every call runs inside ``translated()``, so the SDK's exceptions leave as the typed errors of
``service/errors.py``; every object leaves as a neutral type (``openai_convert``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import openai
from openai.types.fine_tuning import FineTuningJob

from tuiftune.config import OPENAI_DEFAULT_BASE_URL, BackendKind, ResolvedProfile
from tuiftune.service.client import build_client, build_inference_client
from tuiftune.service.lora import ALL_SETTINGS, check_support
from tuiftune.service.providers.base import JobsProvider, Provider
from tuiftune.service.providers.openai_convert import (
    OPENAI_RETIREMENTS,
    checkpoint_from_openai,
    create_body,
    event_from_openai,
    job_from_openai,
)
from tuiftune.service.providers.openai_errors import translated
from tuiftune.service.providers.openai_files import OpenAIBatches, OpenAIFiles
from tuiftune.service.providers.openai_inference import OpenAIInference
from tuiftune.service.providers.registry import ProviderOptions
from tuiftune.service.providers.rewriting_jobs import RewritingJobs
from tuiftune.service.types import Checkpoint, Job, JobEvent, JobSpec, Page

__all__ = [
    "OpenAIBatches",
    "OpenAIFiles",
    "OpenAIInference",
    "OpenAIJobs",
    "coerce_client",
    "create_provider",
    "from_clients",
    "profile_label",
]
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
    retirements: Mapping[str, int] | None = None,
    lora: tuple[frozenset[str], str] = (ALL_SETTINGS, ""),
) -> Provider:
    """A provider over existing SDK clients (closed with the provider when ``close``);
    ``retirements`` dates the inference endpoint's models (api.openai.com's own); ``lora`` is
    the LoRA settings its jobs take and how a refusal names it (a compatible server takes all,
    as extra hyperparameters it checks itself)."""
    inference = inference_client or client
    supported, who = lora
    jobs: JobsProvider = OpenAIJobs(client)
    if supported != ALL_SETTINGS:
        jobs = RewritingJobs(jobs, partial(check_support, supported=supported, who=who or label))
    provider = Provider(
        name="openai",
        label=label,
        jobs=jobs,
        files=OpenAIFiles(client),
        inference=OpenAIInference(inference, retirements),
        batches=OpenAIBatches(inference),
        lora_settings=supported,
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
    label = options.label or profile_label(profile)
    lora = lora_settings_of(profile)
    return from_clients(
        client, inference, label=label, retirements=_retirements(profile), lora=lora
    )


def lora_settings_of(profile: ResolvedProfile) -> tuple[frozenset[str], str]:
    """The LoRA settings a profile's jobs take, and its name in a refusal: OpenAI's and Azure's
    fine-tuning have none, nor has the sandbox's simulated trainer; a compatible server gets
    them all as extra hyperparameters and decides itself."""
    if profile.kind is BackendKind.COMPATIBLE:
        return ALL_SETTINGS, ""
    names = {BackendKind.AZURE: "Azure OpenAI", BackendKind.SANDBOX: "the sandbox"}
    return frozenset(), names.get(profile.kind, "OpenAI")


def _retirements(profile: ResolvedProfile) -> Mapping[str, int] | None:
    """OpenAI's published retirement dates, for api.openai.com answering inference itself
    (Azure, compatible servers and a separate inference endpoint keep their own calendars)."""
    own_host = profile.base_url in (None, OPENAI_DEFAULT_BASE_URL)
    if profile.kind is BackendKind.OPENAI and own_host and profile.inference is None:
        return OPENAI_RETIREMENTS
    return None
