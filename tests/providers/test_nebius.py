"""Nebius as a preset on the OpenAI provider, against an OpenAI-protocol emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.emulators.nebius import BASE_URL, NebiusEmulator
from tests.providers.conftest import KEY
from tuiftune.service.errors import NotFoundError
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.nebius import DEFAULT_BASE_URL, NebiusJobOptions, nebius_spec
from tuiftune.service.types import Hyperparameters, JobSpec

MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct"


@pytest.fixture
def emu() -> NebiusEmulator:
    return NebiusEmulator()


@pytest.fixture
def nebius(emu: NebiusEmulator, build: Callable[..., Provider]) -> Provider:
    return build("nebius", emu.app, BASE_URL)


async def test_create_sends_nebius_hyperparameters(nebius: Provider, emu: NebiusEmulator) -> None:
    spec = JobSpec(
        MODEL,
        "file-1",
        hyperparameters=Hyperparameters(n_epochs=3, learning_rate_multiplier=2.0),
        suffix="triage",
        extras=(NebiusJobOptions(lora=True, lora_r=16, lora_alpha=32, context_length=8192),),
    )
    job = await nebius.jobs.create(spec)
    assert job.status == "validating_files" and nebius.label == "NEBIUS" and nebius.name == "nebius"
    body = emu.bodies[-1]
    assert body["method"] == {
        "type": "supervised",
        "supervised": {
            "hyperparameters": {
                "n_epochs": 3,
                "learning_rate": 2e-5,
                "lora": True,
                "lora_r": 16,
                "lora_alpha": 32,
                "context_length": 8192,
            }
        },
    }
    sent = next(r for r in emu.faults.requests if r.method == "POST")
    assert sent.headers["authorization"] == f"Bearer {KEY}"  # its own key, never OPENAI_API_KEY
    assert (await nebius.jobs.retrieve(job.id)).id == job.id
    with pytest.raises(NotFoundError):
        await nebius.jobs.retrieve("ftjob-missing")


def test_a_profile_without_base_url_goes_to_token_factory(
    emu: NebiusEmulator, build: Callable[..., Provider]
) -> None:
    from tuiftune.service.providers.rewriting_jobs import RewritingJobs

    provider = build("nebius", emu.app, "")
    assert isinstance(provider.jobs, RewritingJobs)
    client = provider.jobs.inner.client  # type: ignore[attr-defined]
    assert str(client.base_url).rstrip("/") == DEFAULT_BASE_URL
    plain = nebius_spec(JobSpec(MODEL, "f"))
    assert plain.hyperparameters == Hyperparameters() and len(plain.extras) == 1
