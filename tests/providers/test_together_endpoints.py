# mypy: disable-error-code="import-not-found"
"""Together dedicated endpoints: price first, create, ready, prompt, stop, delete; requests
compared with the official SDK's for the same calls."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.emulators.base import Recorded, sdk_client
from tests.emulators.together import BASE_URL, TogetherEmulator
from tests.emulators.together_endpoints import MODEL_ID, PROJECT
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.together_endpoints import TogetherEndpointInfo, TogetherEndpoints


@pytest.fixture
def emu() -> TogetherEmulator:
    return TogetherEmulator()


@pytest.fixture
def endpoints(
    emu: TogetherEmulator, build: Callable[..., Provider]
) -> tuple[Provider, TogetherEndpoints]:
    provider = build("together", emu.app, BASE_URL, options={"project_id": PROJECT})
    assert isinstance(provider.deployments, TogetherEndpoints)
    return provider, provider.deployments


def _wire(r: Recorded) -> tuple[str, str, dict[str, str], Any]:
    return (r.method, r.path, r.query, json.loads(r.body) if r.body else None)


async def test_price_first_then_serve_stop_delete(
    endpoints: tuple[Provider, TogetherEndpoints], emu: TogetherEmulator
) -> None:
    provider, eps = endpoints
    options = await eps.serving_options(MODEL_ID)
    assert [(o.hardware, o.price_cents_per_hour) for o in options] == [
        ("1xnvidia-h100-80gb", 499),
        ("2xnvidia-h100-80gb", 998),
    ]
    assert options[0].usd_per_minute == pytest.approx(4.99 / 60)

    made = await eps.create(MODEL_ID, name="Triage Bot")
    assert made.status == "creating" and made.name == "triage-bot"
    ready = await eps.retrieve(made.id)
    info = ready.extra(TogetherEndpointInfo)  # type: ignore[attr-defined]
    assert (
        ready.status == "succeeded"
        and info.hardware == "1xnvidia-h100-80gb"
        and info.max_replicas == 1
    )
    answer = await provider.inference.chat(ready.name or "", [{"role": "user", "content": "hi"}])
    assert answer.text == "echo from triage-bot: hi"

    stopped = await eps.stop(made.id)
    assert stopped.status == "stopped"
    assert [e.id for e in await eps.list()] == [made.id]
    await eps.delete(made.id)
    assert await eps.list() == [] and emu.endpoints.deployments == {}


async def test_requests_are_the_ones_the_sdk_sends(
    endpoints: tuple[Provider, TogetherEndpoints], emu: TogetherEmulator
) -> None:
    from together import AsyncTogether

    _, eps = endpoints
    mark = len(emu.faults.requests)
    made = await eps.create(MODEL_ID, name="bot")
    await eps.stop(made.id)
    ours = [_wire(r) for r in emu.faults.requests[mark:] if r.method in ("POST", "PATCH")]
    config = ours[1][3]["config"]
    dep_id = emu.endpoints.endpoints[made.id]["_deps"][0]

    http = sdk_client(emu.app, BASE_URL)
    sdk = AsyncTogether(api_key="k", base_url=BASE_URL, http_client=http, project_id=PROJECT)
    mark = len(emu.faults.requests)
    ep = await sdk.endpoints.create(name="bot")
    await sdk.endpoints.deployments.create(
        ep.id,
        name="bot",
        model=f"projects/{PROJECT}/models/{MODEL_ID}",
        config=config,
        autoscaling={"min_replicas": 1, "max_replicas": 1},
        inactive_timeout=60,
    )
    await sdk.endpoints.deployments.update(
        dep_id,
        endpoint_id=made.id,
        autoscaling={"min_replicas": 0, "max_replicas": 0},
        update_mask="autoscaling",
    )
    theirs = [_wire(r) for r in emu.faults.requests[mark:]]
    # The SDK addresses the second endpoint it made; ours addressed the first.
    theirs[1] = (theirs[1][0], theirs[1][1].replace(ep.id, made.id), theirs[1][2], theirs[1][3])
    assert ours == theirs
    await http.aclose()


async def test_a_failed_deployment_rolls_the_endpoint_back(
    endpoints: tuple[Provider, TogetherEndpoints], emu: TogetherEmulator
) -> None:
    from tuiftune.service.errors import BadRequestError

    _, eps = endpoints
    with pytest.raises(BadRequestError):
        await eps.create(MODEL_ID, config="projects/x/configs/nope")
    assert emu.endpoints.endpoints == {}
    with pytest.raises(BadRequestError, match="no config"):
        await eps.create("ml_unknown")
