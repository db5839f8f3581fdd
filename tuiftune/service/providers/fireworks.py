"""Fireworks AI: datasets, supervised fine-tuning jobs and on-demand deployments behind the seam.

Everything lives under ``/v1/accounts/{account}/`` (the profile's ``options.account_id``);
requests are the ones the official ``fireworks-ai`` SDK sends (camelCase bodies, ``:cancel``
style actions, ``pageToken`` paging), sent with ``httpx2`` (see ``http_api`` for why). Fireworks
has no job events: each status change this provider observes becomes one event, with the
percent progress. A LoRA answers after it is deployed (on demand, scaling to zero when idle).
"""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuiftune.config import ConfigError
from tuiftune.service.errors import BadRequestError, NotFoundError, ServiceError
from tuiftune.service.lora import LoraOptions, check_support, merged
from tuiftune.service.providers.base import (
    DeploymentsProvider,
    FilesProvider,
    JobsProvider,
    ProgressCallback,
)
from tuiftune.service.providers.fireworks_mapping import (
    FireworksJobInfo,
    FireworksJobOptions,
    deployment_from,
    file_from,
    job_from,
    short_id,
)
from tuiftune.service.providers.http_api import HttpApi
from tuiftune.service.types import Deployment, FileRef, Job, JobEvent, JobSpec, Page

if TYPE_CHECKING:
    from tuiftune.config import ResolvedProfile
    from tuiftune.service.providers.base import Provider
    from tuiftune.service.providers.registry import ProviderOptions

DEFAULT_BASE_URL = "https://api.fireworks.ai"
UPLOAD_MAX = 150 * 1024 * 1024
"""``:upload`` takes files up to 150 MB (larger ones need the signed-URL path, not done here)."""
_ID_BAD = re.compile(r"[^a-z0-9-]+")
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Waiting:
    """How long to wait for a dataset to be READY."""

    interval: float = 2.0
    max_wait: float = 600.0
    sleep: Sleep = asyncio.sleep
    clock: Callable[[], float] = time.monotonic


def resource_id(text: str, digest: str) -> str:
    """A valid Fireworks resource id (lowercase letters, digits, hyphens; 63 at most)."""
    stem = _ID_BAD.sub("-", text.lower()).strip("-")[:40] or "dataset"
    return f"{stem}-{digest[:12]}"


LORA_SETTINGS = frozenset({"lora_r", "max_seq_len"})
"""Fireworks' supervised jobs take a LoRA rank (``loraRank``) and ``maxContextLength`` only."""


def create_body(spec: JobSpec) -> dict[str, Any]:
    """The supervised fine-tuning job's body, in the SDK's wire names."""
    if spec.method != "supervised":
        raise BadRequestError(
            "Fireworks' supervised jobs take method supervised (DPO is a separate job kind).",
            param="method",
            status=None,
        )
    opts = spec.extra(FireworksJobOptions) or FireworksJobOptions()
    lora = spec.extra(LoraOptions) or LoraOptions()
    check_support(spec, LORA_SETTINGS, "Fireworks")
    rank = merged(opts.lora_rank, lora.lora_r, "loraRank", "Fireworks")
    context = merged(opts.max_context_length, lora.max_seq_len, "maxContextLength", "Fireworks")
    hp = spec.hyperparameters
    body: dict[str, Any] = {
        "dataset": spec.training_file,
        "baseModel": spec.model,
        "epochs": hp.n_epochs if isinstance(hp.n_epochs, int) else None,
        "batchSizeSamples": hp.batch_size if isinstance(hp.batch_size, int) else None,
        "learningRate": opts.learning_rate,
        "loraRank": rank,
        "maxContextLength": context,
        "evaluationDataset": opts.evaluation_dataset or spec.validation_file,
        "outputModel": opts.output_model,
        "displayName": opts.display_name or spec.suffix,
    }
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class _Seen:
    events: builtins.list[JobEvent] = field(default_factory=builtins.list)
    last: tuple[str, int | None] | None = None


class FireworksJobs(JobsProvider):
    """Supervised fine-tuning jobs (``supervisedFineTuningJobs``)."""

    def __init__(self, api: HttpApi, account: str, seen: dict[str, _Seen] | None = None) -> None:
        self.api = api
        self.account = account
        self.prefix = f"/v1/accounts/{account}/supervisedFineTuningJobs"
        # Status changes seen per job: the events Fireworks does not keep (shared by clones).
        self._seen: dict[str, _Seen] = {} if seen is None else seen

    def for_watching(self, request_timeout: float) -> FireworksJobs:
        """No retries of our own and a short timeout: the watcher backs off itself."""
        return FireworksJobs(self.api.without_retries(request_timeout), self.account, self._seen)

    def _observe(self, job: Job) -> Job:
        info = job.extra(FireworksJobInfo)
        state = (info.raw_state if info else job.status, info.percent if info else None)
        seen = self._seen.setdefault(job.id, _Seen())
        if seen.last != state:
            seen.last = state
            pct = f" ({state[1]}%)" if state[1] is not None else ""
            level = "error" if job.status == "failed" else "info"
            text = (job.error.message if job.error else None) or f"Job is {job.status}{pct}"
            seen.events.append(
                JobEvent(
                    id=f"{job.id}-s{len(seen.events)}",
                    created_at=int(time.time()),
                    level=level,
                    message=text,
                    type="message",
                    data={"state": state[0], "percent": state[1]},
                )
            )
        return job

    async def create(self, spec: JobSpec) -> Job:
        """Create a job over an uploaded (READY) dataset."""
        opts = spec.extra(FireworksJobOptions) or FireworksJobOptions()
        params = {"supervisedFineTuningJobId": opts.job_id} if opts.job_id else None
        data = await self.api.json("POST", self.prefix, json=create_body(spec), params=params)
        return self._observe(job_from(data))

    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[Job]:
        """One page of jobs, newest first; ``after`` is Fireworks' ``nextPageToken``."""
        if metadata:
            return Page([], False)  # Fireworks jobs carry no metadata, so none matches
        params = {"pageSize": limit, "pageToken": after, "orderBy": "create_time desc"}
        data = await self.api.json("GET", self.prefix, params=params)
        jobs = [job_from(row) for row in data.get("supervisedFineTuningJobs") or []]
        token = data.get("nextPageToken") or None
        return _TokenPage(jobs, token is not None, token)

    async def retrieve(self, job_id: str) -> Job:
        """One job."""
        return self._observe(
            job_from(await self.api.json("GET", f"{self.prefix}/{short_id(job_id)}"))
        )

    async def cancel(self, job_id: str) -> Job:
        """Cancel a job."""
        await self.api.json("POST", f"{self.prefix}/{short_id(job_id)}:cancel", json={})
        return await self.retrieve(job_id)

    async def resume(self, job_id: str) -> Job:
        """Resume a paused or failed job from its last checkpoint."""
        await self.api.json("POST", f"{self.prefix}/{short_id(job_id)}:resume", json={})
        return await self.retrieve(job_id)

    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[JobEvent]:
        """The status changes seen so far (Fireworks keeps no event log), newest first."""
        seen = self._seen.get(short_id(job_id))
        if seen is None:
            await self.retrieve(job_id)
            seen = self._seen[short_id(job_id)]
        newest = builtins.list(reversed(seen.events))
        start = 0
        if after is not None:
            ids = [e.id for e in newest]
            start = ids.index(after) + 1 if after in ids else len(newest)
        return Page(newest[start : start + limit], start + limit < len(newest))

    async def file_content(self, file_id: str) -> bytes:
        """Fireworks serves no result files for jobs."""
        raise NotFoundError(f"Fireworks has no file {file_id} to download.", status=None)


@dataclass(frozen=True)
class _TokenPage(Page[Job]):
    token: str | None = None

    @property
    def next_after(self) -> str | None:
        """Fireworks pages by an opaque token, not by the last id."""
        return self.token


class FireworksFiles(FilesProvider):
    """Datasets: create, upload (``:upload``), wait until READY."""

    def __init__(self, api: HttpApi, account: str, waiting: Waiting | None = None) -> None:
        self.api = api
        self.account = account
        self.prefix = f"/v1/accounts/{account}/datasets"
        self.waiting = waiting or Waiting()
        self.cache_scope = f"fireworks:{api.base_url}:{account}"

    async def _create_and_upload(self, name: str, data: bytes) -> FileRef:
        if len(data) > UPLOAD_MAX:
            raise BadRequestError(
                f"{name}: Fireworks' direct upload takes at most 150 MB.", param="file", status=None
            )
        dataset_id = resource_id(Path(name).stem, hashlib.sha256(data).hexdigest())
        lines = sum(1 for line in data.splitlines() if line.strip())
        body = {
            "datasetId": dataset_id,
            "dataset": {"displayName": name, "exampleCount": str(lines), "userUploaded": {}},
        }
        try:
            await self.api.json("POST", self.prefix, json=body)
        except BadRequestError as exc:
            if exc.status != 409:
                raise
            # 409: the same bytes were made into a dataset before (the id is their hash).
            return await self.wait_ready(dataset_id)
        files = {"file": (name, data, "application/jsonl")}
        await self.api.json("POST", f"{self.prefix}/{dataset_id}:upload", files=files)
        return await self.wait_ready(dataset_id)

    async def wait_ready(self, dataset_id: str) -> FileRef:
        """Poll a dataset until Fireworks has validated it (state READY)."""
        deadline = self.waiting.clock() + self.waiting.max_wait
        while True:
            data = await self.api.json("GET", f"{self.prefix}/{short_id(dataset_id)}")
            if data.get("state") == "READY":
                return file_from(data)
            status = data.get("status") if isinstance(data.get("status"), dict) else {}
            if status.get("code") not in (None, "OK"):
                raise ServiceError(f"Fireworks refused the dataset: {status.get('message')}")
            if self.waiting.clock() >= deadline:
                raise ServiceError(
                    f"Dataset {dataset_id} is not READY after {self.waiting.max_wait:.0f} s."
                )
            await self.waiting.sleep(self.waiting.interval)

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
        """Create a dataset from a local file and wait until it is READY."""
        if size > UPLOAD_MAX:
            raise BadRequestError(
                f"{path.name}: Fireworks' direct upload takes at most 150 MB.",
                param="file",
                status=None,
            )
        data = await asyncio.to_thread(path.read_bytes)
        ref = await self._create_and_upload(path.name, data)
        if on_progress is not None:
            on_progress(size, size)
        return FileRef(ref.id, path.name, size, purpose, ref.created_at, ref.status)

    async def upload_bytes(self, filename: str, data: bytes, *, purpose: str) -> FileRef:
        """Create a dataset from bytes in memory."""
        return await self._create_and_upload(filename, data)

    async def retrieve(self, file_id: str) -> FileRef:
        """One dataset."""
        return file_from(await self.api.json("GET", f"{self.prefix}/{short_id(file_id)}"))

    async def list(self, *, purpose: str | None = None) -> builtins.list[FileRef]:
        """Datasets, newest first (every page)."""
        out: builtins.list[FileRef] = []
        token: str | None = None
        while True:
            data = await self.api.json(
                "GET", self.prefix, params={"pageSize": 200, "pageToken": token}
            )
            out.extend(file_from(row) for row in data.get("datasets") or [])
            token = data.get("nextPageToken") or None
            if token is None:
                return sorted(out, key=lambda r: r.created_at, reverse=True)

    async def content(self, file_id: str) -> bytes:
        """Not offered: Fireworks hands datasets out through signed URLs only."""
        raise NotFoundError(f"Fireworks does not serve {file_id}'s bytes here.", status=None)


class FireworksDeployments(DeploymentsProvider):
    """On-demand deployments of a fine-tuned model, scaling to zero when idle."""

    def __init__(self, api: HttpApi, account: str, *, scale_to_zero: str = "3600s") -> None:
        self.api = api
        self.prefix = f"/v1/accounts/{account}/deployments"
        self.scale_to_zero = scale_to_zero

    async def list(self) -> builtins.list[Deployment]:
        """Every deployment of the account."""
        out: builtins.list[Deployment] = []
        token: str | None = None
        while True:
            data = await self.api.json(
                "GET", self.prefix, params={"pageSize": 200, "pageToken": token}
            )
            out.extend(deployment_from(row) for row in data.get("deployments") or [])
            token = data.get("nextPageToken") or None
            if token is None:
                return out

    async def create(self, model: str, *, name: str | None = None) -> Deployment:
        """Deploy ``model`` on demand: no replica while idle, one when asked."""
        body = {
            "baseModel": model,
            "minReplicaCount": 0,
            "maxReplicaCount": 1,
            "autoscalingPolicy": {"scaleToZeroWindow": self.scale_to_zero},
            "displayName": name or short_id(model),
        }
        params = {
            "deploymentId": resource_id(
                name or short_id(model), hashlib.sha256(model.encode()).hexdigest()
            )
        }
        return deployment_from(await self.api.json("POST", self.prefix, json=body, params=params))

    async def retrieve(self, deployment_id: str) -> Deployment:
        """One deployment."""
        return deployment_from(
            await self.api.json("GET", f"{self.prefix}/{short_id(deployment_id)}")
        )

    async def delete(self, deployment_id: str) -> None:
        """Delete a deployment."""
        await self.api.send("DELETE", f"{self.prefix}/{short_id(deployment_id)}")


def create_provider(profile: ResolvedProfile, options: ProviderOptions) -> Provider:
    """The Fireworks provider for a profile (``provider = "fireworks"``, ``options.account_id``)."""
    from tuiftune.service.providers.hosted import build_hosted

    account = profile.options.get("account_id")
    if not account:
        raise ConfigError(f"profile {profile.name!r} (fireworks) needs options.account_id")
    provider = build_hosted(
        profile,
        options,
        name="fireworks",
        default_base_url=DEFAULT_BASE_URL,
        inference_path="/inference/v1",
        parts=lambda api: (
            FireworksJobs(api, account),
            FireworksFiles(api, account),
            FireworksDeployments(api, account),
        ),
    )
    provider.lora_settings = LORA_SETTINGS
    return provider
