"""Deploying a fine-tuned model where a provider serves one only from a deployment.

The Jobs area and ``tuiftune jobs deployments`` ask ``deploy_plan`` what to ask the user
(Azure's tier and capacity, Together's hardware priced per minute first; nothing for
Fireworks), pass the answers to ``deploy``, follow ``wait_ready`` and show each deployment's
extras through ``describe``. What differs between providers stays here, below the UI.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tuiftune.service.errors import BadRequestError, ServiceError
from tuiftune.service.providers.base import DeploymentsProvider
from tuiftune.service.types import Deployment, ProviderExtras

READY = "succeeded"
ENDED = ("succeeded", "failed", "stopped")


@dataclass(frozen=True)
class DeployChoice:
    """One allowed answer and what it is called on screen."""

    value: str
    label: str


@dataclass(frozen=True)
class DeployQuestion:
    """One thing to ask before deploying: a choice, or a whole number at least 1."""

    key: str
    prompt: str
    default: str
    choices: tuple[DeployChoice, ...] = ()

    @property
    def integer(self) -> bool:
        """True when the answer is a whole number rather than one of ``choices``."""
        return not self.choices

    def check(self, answer: str) -> str:
        """The answer as sent, or a BadRequestError naming the question."""
        answer = answer.strip() or self.default
        if self.choices:
            if answer not in {c.value for c in self.choices}:
                allowed = ", ".join(c.value for c in self.choices)
                raise BadRequestError(
                    f"{self.key} must be one of {allowed}", param=self.key, status=None
                )
            return answer
        if not answer.isdigit() or int(answer) < 1:
            raise BadRequestError(
                f"{self.key} must be a whole number of at least 1", param=self.key, status=None
            )
        return answer


@dataclass(frozen=True)
class DeployPlan:
    """What to ask, and a line to show before anything is created (cost, scaling)."""

    questions: tuple[DeployQuestion, ...]
    note: str


async def deploy_plan(deployments: DeploymentsProvider, model: str) -> DeployPlan:
    """What deploying ``model`` on this provider needs the user to decide."""
    from tuiftune.service.providers.azure_deployments import SKUS, AzureDeployments
    from tuiftune.service.providers.together_endpoints import TogetherEndpoints

    if isinstance(deployments, AzureDeployments):
        sku = DeployQuestion(
            "sku",
            "tier",
            deployments.sku,
            tuple(DeployChoice(s, s) for s in SKUS),
        )
        capacity = DeployQuestion("capacity", "capacity (units)", str(deployments.capacity))
        hourly = deployments.hourly_usd
        fee = f"${hourly:.2f}/hour" if hourly is not None else "a fee per hour (Azure's pricing)"
        note = (
            f"standard and globalstandard cost {fee} while the deployment exists; developertier "
            "has no hosting fee and is deleted by Azure after 24 h; any deployment idle for "
            "15 days is deleted"
        )
        return DeployPlan((sku, capacity), note)
    if isinstance(deployments, TogetherEndpoints):
        options = await deployments.serving_options(model)
        if not options:
            raise BadRequestError(
                f"Together has no hardware that can serve {model}.", param="model", status=None
            )
        choices = tuple(
            DeployChoice(o.config, f"{o.hardware or o.config}: {_per_minute(o.usd_per_minute)}")
            for o in options
        )
        hardware = DeployQuestion("config", "hardware", options[0].config, choices)
        note = (
            f"a dedicated endpoint is billed per minute per replica while it runs "
            f"(cheapest here {_per_minute(options[0].usd_per_minute)}); it stops after 60 idle "
            "minutes"
        )
        return DeployPlan((hardware,), note)
    return DeployPlan((), "an on-demand deployment: it scales to zero replicas when idle")


def _per_minute(usd: float | None) -> str:
    return "price unknown" if usd is None else f"${usd:.4f}/minute"


async def deploy(
    deployments: DeploymentsProvider,
    model: str,
    answers: Mapping[str, str],
    plan: DeployPlan,
    *,
    name: str | None = None,
) -> Deployment:
    """Create the deployment with the checked answers to ``plan``'s questions."""
    kwargs: dict[str, Any] = {}
    for question in plan.questions:
        value = question.check(answers.get(question.key, ""))
        kwargs[question.key] = int(value) if question.integer else value
    create: Callable[..., Awaitable[Deployment]] = deployments.create
    return await create(model, name=name, **kwargs)


async def wait_ready(
    deployments: DeploymentsProvider,
    deployment_id: str,
    *,
    interval: float = 10.0,
    max_wait: float = 1800.0,
    progress: Callable[[Deployment, float], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Deployment:
    """Poll until the deployment is ready; ``progress(deployment, elapsed)`` after each read.
    A failed one or ``max_wait`` passing raises; cancelling the task stops the wait only."""
    start = clock()
    while True:
        got = await deployments.retrieve(deployment_id)
        elapsed = clock() - start
        if progress is not None:
            progress(got, elapsed)
        if got.status == READY:
            return got
        if got.status == "failed":
            raise ServiceError(f"The provider could not deploy {got.model} as {deployment_id}.")
        if elapsed >= max_wait:
            raise ServiceError(
                f"Deployment {deployment_id} is still {got.status} after {max_wait:.0f} s."
            )
        await sleep(interval)


def can_stop(deployments: DeploymentsProvider) -> bool:
    """Whether the provider can stop a deployment without deleting it (scale to zero)."""
    return callable(getattr(deployments, "stop", None))


async def stop(deployments: DeploymentsProvider, deployment_id: str) -> Deployment:
    """Stop billing but keep the deployment (Together); others only delete."""
    method = getattr(deployments, "stop", None)
    if method is None:
        raise BadRequestError(
            "This provider cannot stop a deployment; delete it instead.", param=None, status=None
        )
    got: Deployment = await method(deployment_id)
    return got


def extras_of(deployment: Deployment) -> tuple[ProviderExtras, ...]:
    """The provider's extras on a deployment (none on a plain one)."""
    found = getattr(deployment, "extras", ())
    return tuple(e for e in found if isinstance(e, ProviderExtras))


def describe(deployment: Deployment, now: float | None = None) -> list[str]:
    """One line per extra: cost, scaling, when the provider deletes it; with ``now``, what an
    hourly-billed deployment has cost so far."""
    lines = [line for line in (e.describe() for e in extras_of(deployment)) if line]
    spent = cost_so_far(deployment, now) if now is not None else None
    if spent is not None:
        hours, usd = spent
        lines.append(f"about ${usd:,.2f} so far ({hours:,.1f} h since it was created)")
    return lines


def cost_so_far(deployment: Deployment, now: float) -> tuple[float, float] | None:
    """(hours, USD) an hourly-billed deployment has cost since it was created, where the
    provider's extras say both (Azure with the profile's ``deployment_hourly_usd``)."""
    from tuiftune.service.providers.azure_deployments import AzureDeploymentInfo

    for extra in extras_of(deployment):
        if isinstance(extra, AzureDeploymentInfo):
            if extra.hourly_usd is None or extra.created_at is None:
                return None
            hours = max(0.0, (now - extra.created_at) / 3600)
            return hours, hours * extra.hourly_usd
    return None


def inference_name(deployment: Deployment) -> str:
    """The model name the Playground and Eval send to reach this deployment."""
    return deployment.name or deployment.id


def deployment_to_dict(deployment: Deployment, now: float | None = None) -> dict[str, Any]:
    """A deployment as JSON-ready data for ``jobs deployments --json``."""
    spent = cost_so_far(deployment, now) if now is not None else None
    return {
        "cost_so_far_usd": round(spent[1], 2) if spent is not None else None,
        "id": deployment.id,
        "name": deployment.name,
        "model": deployment.model,
        "status": deployment.status,
        "inference_name": inference_name(deployment),
        "provider": describe(deployment),  # without the running cost (that is its own key)
    }
