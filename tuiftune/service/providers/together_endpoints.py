"""Together dedicated endpoints: a fine-tuned model is served only from one, billed per minute.

The flow is the official SDK's ``tg endpoints deploy`` (``together/lib/cli/api/endpoints``): the
model's compatible configs (``/v2/projects/{p}/configs?reference_model_id=``), whose selectors
name the hardware (``{accelerator_count}x{accelerator_type}``) priced by the public catalog
(``/v2/public/inference-instance-types``); then an endpoint and a deployment under it. Stopping
scales the deployment to zero replicas; deleting removes the deployment, then the endpoint.
Inference names the endpoint.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tuiftune.service.errors import BadRequestError, ServiceError
from tuiftune.service.providers.base import DeploymentsProvider
from tuiftune.service.providers.http_api import HttpApi
from tuiftune.service.types import Deployment, ProviderExtras

# Deployment states -> the neutral words; others (degraded, ...) pass as they come.
STATES = {
    "DEPLOYMENT_STATE_PROVISIONING": "creating",
    "DEPLOYMENT_STATE_SCALING": "creating",
    "DEPLOYMENT_STATE_READY": "succeeded",
    "DEPLOYMENT_STATE_FAILED": "failed",
    "DEPLOYMENT_STATE_STOPPING": "stopping",
    "DEPLOYMENT_STATE_STOPPED": "stopped",
}
_NAME_BAD = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class TogetherServingOption:
    """One way to serve a model: a config and the hardware it runs on, priced first."""

    config: str
    """``projects/{project}/configs/{id}``."""
    hardware: str | None
    price_cents_per_hour: int | None

    @property
    def usd_per_minute(self) -> float | None:
        """The price per minute of one replica."""
        if self.price_cents_per_hour is None:
            return None
        return self.price_cents_per_hour / 100 / 60


@dataclass(frozen=True)
class TogetherEndpointInfo(ProviderExtras):
    """How an endpoint's deployment scales, and what it runs on."""

    deployment_id: str | None
    hardware: str | None
    min_replicas: int | None
    max_replicas: int | None
    ready_replicas: int | None

    def describe(self) -> str:
        """One line: hardware and replicas (billed per minute while a replica runs)."""
        return (
            f"{self.hardware or 'hardware unknown'}, {self.ready_replicas or 0} of "
            f"{self.min_replicas}-{self.max_replicas} replicas ready, billed per minute per replica"
        )


@dataclass(frozen=True)
class TogetherEndpoint(Deployment):
    """A ``Deployment`` with Together's extras (``extra(TogetherEndpointInfo)``)."""

    extras: tuple[ProviderExtras, ...] = ()

    def extra(self, kind: type[TogetherEndpointInfo]) -> TogetherEndpointInfo | None:
        """The extras of one kind, or None."""
        return next((e for e in self.extras if isinstance(e, kind)), None)


def _selector(config: Mapping[str, Any], key: str) -> str | None:
    for item in config.get("selectors") or []:
        if isinstance(item, dict) and item.get("key") == key:
            return str(item.get("value"))
    return None


def endpoint_from(data: Mapping[str, Any]) -> TogetherEndpoint:
    """A neutral deployment from an ``Endpoint`` (its first deployment gives the status)."""
    deps = [d for d in data.get("deployments") or [] if isinstance(d, dict)]
    first = deps[0] if deps else {}
    state = str(first.get("state") or "DEPLOYMENT_STATE_PROVISIONING")
    scaling = first.get("autoscaling") if isinstance(first.get("autoscaling"), dict) else {}
    info = TogetherEndpointInfo(
        deployment_id=first.get("id"),
        hardware=first.get("hardware"),
        min_replicas=(scaling or {}).get("minReplicas"),
        max_replicas=(scaling or {}).get("maxReplicas"),
        ready_replicas=first.get("readyReplicas"),
    )
    return TogetherEndpoint(
        id=str(data.get("id") or ""),
        model=str(first.get("model") or ""),
        status=STATES.get(state, state) if deps else "creating",
        name=str(data.get("name") or ""),
        extras=(info,),
    )


class TogetherEndpoints(DeploymentsProvider):
    """Dedicated endpoints of one Together project (``options.project_id``)."""

    def __init__(self, api: HttpApi, project: str) -> None:
        self.api = api
        self.project = project
        self.prefix = f"/v2/projects/{project}/endpoints"

    def model_path(self, model: str) -> str:
        """``projects/{p}/models/{id}`` from a registry id (``ml_...``) or a path as is."""
        return model if model.startswith("projects/") else f"projects/{self.project}/models/{model}"

    async def serving_options(self, model: str) -> builtins.list[TogetherServingOption]:
        """The configs that can serve ``model``, cheapest first, each with its hardware price."""
        model_id = self.model_path(model).split("/models/", 1)[1].split("/")[0]
        configs: builtins.list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = await self.api.json(
                "GET",
                f"/v2/projects/{self.project}/configs",
                params={"reference_model_id": model_id, "after": after},
            )
            configs.extend(c for c in page.get("data") or [] if isinstance(c, dict))
            after = page.get("next_cursor") or None
            if after is None:
                break
        catalog = await self.api.json("GET", "/v2/public/inference-instance-types")
        prices = {
            str(i.get("name")): i.get("priceCentsPerHour")
            for i in catalog.get("data") or []
            if isinstance(i, dict)
        }
        options = []
        for config in configs:
            count, kind = (
                _selector(config, "accelerator_count"),
                _selector(config, "accelerator_type"),
            )
            hardware = f"{count}x{kind}" if count and kind else None
            options.append(
                TogetherServingOption(
                    config=f"projects/{config.get('projectId')}/configs/{config.get('id')}",
                    hardware=hardware,
                    price_cents_per_hour=prices.get(hardware or ""),
                )
            )
        return sorted(
            options, key=lambda o: (o.price_cents_per_hour is None, o.price_cents_per_hour or 0)
        )

    async def create(
        self,
        model: str,
        *,
        name: str | None = None,
        config: str | None = None,
        min_replicas: int = 1,
        max_replicas: int = 1,
        inactive_timeout: int | None = 60,
    ) -> Deployment:
        """An endpoint serving ``model`` (the cheapest config unless one is named); billing runs
        while a replica is up, and ``inactive_timeout`` minutes idle stop it (0: never)."""
        if config is None:
            options = await self.serving_options(model)
            if not options:
                raise BadRequestError(
                    f"Together has no config that can serve {model}.", param="model", status=None
                )
            config = options[0].config
        label = (
            _NAME_BAD.sub("-", (name or model.rsplit("/", 1)[-1]).lower()).strip("-")[:50]
            or "tuiftune"
        )
        endpoint = await self.api.json("POST", self.prefix, json={"name": label})
        body: dict[str, Any] = {
            "name": label,
            "model": self.model_path(model),
            "config": config,
            "autoscaling": {"maxReplicas": max_replicas, "minReplicas": min_replicas},
        }
        if inactive_timeout is not None:
            body["inactiveTimeout"] = inactive_timeout
        try:
            await self.api.json("POST", f"{self.prefix}/{endpoint['id']}/deployments", json=body)
        except ServiceError:
            await self.api.send(
                "DELETE", f"{self.prefix}/{endpoint['id']}"
            )  # roll back, as the SDK
            raise
        return await self.retrieve(str(endpoint["id"]))

    async def retrieve(self, deployment_id: str) -> Deployment:
        """One endpoint and the state of its deployment."""
        return endpoint_from(await self.api.json("GET", f"{self.prefix}/{deployment_id}"))

    async def list(self) -> builtins.list[Deployment]:
        """Every endpoint of the project."""
        out: builtins.list[Deployment] = []
        after: str | None = None
        while True:
            page = await self.api.json("GET", self.prefix, params={"after": after})
            out.extend(endpoint_from(e) for e in page.get("data") or [] if isinstance(e, dict))
            after = page.get("next_cursor") or None
            if after is None:
                return out

    async def stop(self, deployment_id: str) -> Deployment:
        """Scale the endpoint's deployments to zero replicas: no billing, kept for later."""
        got = await self.api.json("GET", f"{self.prefix}/{deployment_id}")
        for dep in got.get("deployments") or []:
            await self.api.json(
                "PATCH",
                f"{self.prefix}/{deployment_id}/deployments/{dep['id']}",
                params={"updateMask": "autoscaling"},
                json={"autoscaling": {"maxReplicas": 0, "minReplicas": 0}},
            )
        return await self.retrieve(deployment_id)

    async def delete(self, deployment_id: str) -> None:
        """Delete the endpoint's deployments, then the endpoint."""
        got = await self.api.json("GET", f"{self.prefix}/{deployment_id}")
        for dep in got.get("deployments") or []:
            await self.api.send("DELETE", f"{self.prefix}/{deployment_id}/deployments/{dep['id']}")
        await self.api.send("DELETE", f"{self.prefix}/{deployment_id}")
