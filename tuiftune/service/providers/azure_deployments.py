"""Azure OpenAI: a fine-tuned model answers only once it is deployed, through ARM.

Deployments are created, read, listed and deleted on the control plane
(``PUT/GET/DELETE https://management.azure.com/subscriptions/{s}/resourceGroups/{rg}/providers/
Microsoft.CognitiveServices/accounts/{a}/deployments/{name}?api-version=2024-10-01``), always with
an Entra ID token. Bodies are the ones ``azure-mgmt-cognitiveservices``'s ``Deployment`` model
serializes; plain ``httpx2`` sends them (no azure SDK at run time). Each ``Deployment`` returned
carries ``AzureDeploymentInfo``: what it costs while it exists and when Azure deletes it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tuiftune.service.errors import BadRequestError, ServiceError
from tuiftune.service.providers.base import DeploymentsProvider
from tuiftune.service.providers.http_api import HttpApi, unix
from tuiftune.service.types import Deployment, ProviderExtras

ARM_ENDPOINT = "https://management.azure.com"
ARM_API_VERSION = "2024-10-01"
SKUS = ("standard", "globalstandard", "developertier")
DEVELOPER_TIER_HOURS = 24
IDLE_DELETION_DAYS = 15
# provisioningState -> the neutral words of ``Deployment.status``; others pass as they come.
STATES = {
    "accepted": "creating",
    "creating": "creating",
    "updating": "creating",
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "failed",
    "deleting": "deleting",
}
_NAME_BAD = re.compile(r"[^A-Za-z0-9_.-]+")
COPY_HEADER = {"aoai-copy-ft-checkpoints": "preview"}


@dataclass(frozen=True)
class AzureDeploymentInfo(ProviderExtras):
    """What a deployment costs while it exists, and when Azure deletes it by itself."""

    sku: str
    capacity: int | None
    created_at: int | None
    hourly_usd: float | None
    """Hosting fee per hour, from the profile's ``deployment_hourly_usd`` (prices change)."""
    deletes_at: int | None
    """Developer tier: 24 h after creation."""
    idle_deletion_days: int = IDLE_DELETION_DAYS

    def describe(self) -> str:
        """One line for the Jobs area and ``jobs deployments``."""
        if self.sku == "developertier":
            cost = "developer tier: no hosting fee, tokens only"
        elif self.hourly_usd is not None:
            cost = f"{self.sku}: ${self.hourly_usd:.2f}/hour while it exists"
        else:
            cost = f"{self.sku}: billed per hour while it exists (see Azure's pricing page)"
        if self.deletes_at is not None:
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.deletes_at))
            ends = f"deleted by Azure at {when}"
        else:
            ends = f"deleted by Azure after {self.idle_deletion_days} idle days"
        return f"{cost}; {ends}"


@dataclass(frozen=True)
class AzureDeployment(Deployment):
    """A ``Deployment`` with Azure's extras (``extra(AzureDeploymentInfo)``)."""

    extras: tuple[ProviderExtras, ...] = ()

    def extra(self, kind: type[AzureDeploymentInfo]) -> AzureDeploymentInfo | None:
        """The extras of one kind, or None."""
        return next((e for e in self.extras if isinstance(e, kind)), None)


def deployment_name(model: str) -> str:
    """A valid deployment name for a model id (letters, digits, ``_ . -``; 64 at most)."""
    name = _NAME_BAD.sub("-", model).strip("-.")[:64]
    if len(name) < 2:
        raise BadRequestError(
            f"cannot name a deployment after {model!r}", param="name", status=None
        )
    return name


def deployment_body(model: str, sku: str, capacity: int) -> dict[str, Any]:
    """The PUT body, as ``azure.mgmt.cognitiveservices.models.Deployment`` serializes it."""
    if sku not in SKUS:
        raise BadRequestError(f"sku must be one of {', '.join(SKUS)}", param="sku", status=None)
    return {
        "sku": {"name": sku, "capacity": capacity},
        "properties": {"model": {"format": "OpenAI", "name": model, "version": "1"}},
    }


class AzureDeployments(DeploymentsProvider):
    """Deployments of one Azure OpenAI resource (an ARM ``accounts`` resource)."""

    def __init__(
        self,
        api: HttpApi,
        *,
        subscription: str,
        resource_group: str,
        account: str,
        sku: str = "standard",
        capacity: int = 1,
        hourly_usd: float | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.prefix = (
            f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/"
            f"Microsoft.CognitiveServices/accounts/{account}/deployments"
        )
        self.sku, self.capacity, self.hourly_usd = sku, capacity, hourly_usd
        self.sleep, self.clock = sleep, clock
        self.checkpoints: AzureCheckpoints | None = None
        """Checkpoint copy on the same resource's data plane, where the profile has one."""

    def _params(self) -> dict[str, str]:
        return {"api-version": ARM_API_VERSION}

    def _from(self, data: Mapping[str, Any]) -> AzureDeployment:
        props = data.get("properties") or {}
        model = (props.get("model") or {}).get("name") or ""
        sku = data.get("sku") or {}
        created = unix((data.get("systemData") or {}).get("createdAt"))
        sku_name = str(sku.get("name") or "").lower()
        deletes = (
            created + DEVELOPER_TIER_HOURS * 3600
            if created is not None and sku_name == "developertier"
            else None
        )
        state = str(props.get("provisioningState") or "unknown")
        info = AzureDeploymentInfo(
            sku=sku_name,
            capacity=sku.get("capacity"),
            created_at=created,
            hourly_usd=None if sku_name == "developertier" else self.hourly_usd,
            deletes_at=deletes,
        )
        return AzureDeployment(
            id=str(data.get("name") or ""),
            model=str(model),
            status=STATES.get(state.lower(), state),
            name=str(data.get("name") or ""),
            extras=(info,),
        )

    async def list(self) -> list[Deployment]:
        """Every deployment of the resource (following ``nextLink``)."""
        out: list[Deployment] = []
        url: str | None = self.prefix
        params: dict[str, str] | None = self._params()
        while url:
            data = await self.api.json("GET", url, params=params)
            out.extend(self._from(row) for row in data.get("value") or [] if isinstance(row, dict))
            url, params = data.get("nextLink"), None  # nextLink carries its own query
        return out

    async def create(
        self,
        model: str,
        *,
        name: str | None = None,
        sku: str | None = None,
        capacity: int | None = None,
    ) -> Deployment:
        """Deploy a fine-tuned model or a checkpoint (``...ft-<job>:ckpt-step-<n>``); it takes
        minutes to be ready: ``wait_ready`` polls it."""
        body = deployment_body(model, sku or self.sku, capacity or self.capacity)
        target = f"{self.prefix}/{name or deployment_name(model)}"
        return self._from(await self.api.json("PUT", target, params=self._params(), json=body))

    async def retrieve(self, deployment_id: str) -> Deployment:
        """One deployment."""
        data = await self.api.json("GET", f"{self.prefix}/{deployment_id}", params=self._params())
        return self._from(data)

    async def delete(self, deployment_id: str) -> None:
        """Delete a deployment (the fine-tuned model itself stays and can be deployed again)."""
        await self.api.send("DELETE", f"{self.prefix}/{deployment_id}", params=self._params())

    async def wait_ready(
        self, deployment_id: str, *, interval: float = 10.0, max_wait: float = 1800.0
    ) -> Deployment:
        """Poll until the deployment succeeded; a failed one (or ``max_wait`` passing) raises."""
        deadline = self.clock() + max_wait
        while True:
            got = await self.retrieve(deployment_id)
            if got.status == "succeeded":
                return got
            if got.status == "failed":
                raise ServiceError(f"Azure could not deploy {got.model} as {deployment_id}.")
            if self.clock() >= deadline:
                raise ServiceError(
                    f"Deployment {deployment_id} is still {got.status} after {max_wait:.0f} s."
                )
            await self.sleep(interval)


@dataclass(frozen=True)
class CheckpointCopy:
    """Where a checkpoint was copied and how far each copy got."""

    checkpointed_model: str
    job_id: str
    copies: tuple[tuple[str, str, str], ...]
    """(destination resource id, region, status) per destination."""


class AzureCheckpoints:
    """``POST/GET /openai/v1/fine_tuning/jobs/{job}/checkpoints/{id}/copy`` (a preview feature)."""

    def __init__(self, api: HttpApi) -> None:
        self.api = api

    def _path(self, job_id: str, checkpoint_id: str) -> str:
        return f"/openai/v1/fine_tuning/jobs/{job_id}/checkpoints/{checkpoint_id}/copy"

    @staticmethod
    def _from(data: Mapping[str, Any]) -> CheckpointCopy:
        rows = data.get("copiedAccountDetails") or []
        return CheckpointCopy(
            str(data.get("checkpointedModelName") or ""),
            str(data.get("fineTuningJobId") or ""),
            tuple(
                (str(r.get("destinationResourceId")), str(r.get("region")), str(r.get("status")))
                for r in rows
                if isinstance(r, dict)
            ),
        )

    async def copy(
        self, job_id: str, checkpoint_id: str, *, destination_resource_id: str, region: str
    ) -> CheckpointCopy:
        """Copy a checkpoint to another resource (possibly in another region)."""
        body = {"destinationResourceId": destination_resource_id, "region": region}
        path = self._path(job_id, checkpoint_id)
        return self._from(await self.api.json("POST", path, json=body, headers=COPY_HEADER))

    async def status(self, job_id: str, checkpoint_id: str) -> CheckpointCopy:
        """How the copies of a checkpoint are going."""
        path = self._path(job_id, checkpoint_id)
        return self._from(await self.api.json("GET", path, headers=COPY_HEADER))
