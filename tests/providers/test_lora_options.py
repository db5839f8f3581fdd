# mypy: disable-error-code="import-not-found"
"""The neutral LoRA settings (``LoraOptions``) on each provider: mapped to its own names against
its emulator, refused by name where the provider has no such setting, before any upload."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.emulators.fireworks import ACCOUNT, FireworksEmulator
from tests.emulators.fireworks import BASE_URL as FW_URL
from tests.emulators.nebius import BASE_URL as NEBIUS_URL
from tests.emulators.nebius import NebiusEmulator
from tests.emulators.together import BASE_URL as TOGETHER_URL
from tests.emulators.together import TogetherEmulator
from tuiftune.config import BackendKind
from tuiftune.service.errors import BadRequestError
from tuiftune.service.launch import launch
from tuiftune.service.lora import ALL_SETTINGS, LoraOptions
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.fireworks import FireworksFiles, Waiting
from tuiftune.service.providers.fireworks_mapping import FireworksJobOptions
from tuiftune.service.providers.openai import lora_settings_of
from tuiftune.service.types import Hyperparameters, JobSpec

LLAMA = "meta-llama/Llama-3.2-3B-Instruct"
ROWS = "".join(
    json.dumps(
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
    )
    + "\n"
    for i in range(10)
)
LORA = LoraOptions(
    lora_r=4, lora_alpha=8.0, lora_dropout=0.1, target_modules=("q_proj", "v_proj"), max_seq_len=512
)


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text(ROWS)
    return path


async def test_together_takes_every_setting_in_its_own_names(
    build: Callable[..., Provider], tmp_path: Path
) -> None:
    emu = TogetherEmulator()
    together = build("together", emu.app, TOGETHER_URL)
    assert together.lora_settings == ALL_SETTINGS
    launched = await launch(together, JobSpec(LLAMA, "", extras=(LORA,)), _file(tmp_path))
    body = emu.jobs[launched.job.id].request
    assert body["training_type"] == {
        "lora_r": 4,
        "lora_alpha": 8,
        "lora_dropout": 0.1,
        "lora_trainable_modules": "q_proj,v_proj",
        "type": "Lora",
    }
    assert body["max_seq_length"] == 512


async def test_together_refuses_an_alpha_it_cannot_take(
    build: Callable[..., Provider], tmp_path: Path
) -> None:
    emu = TogetherEmulator()
    together = build("together", emu.app, TOGETHER_URL)
    spec = JobSpec(LLAMA, "file-1", extras=(LoraOptions(lora_alpha=8.5),))
    with pytest.raises(BadRequestError, match=r"Together takes a whole number for lora_alpha"):
        await together.jobs.create(spec)
    assert emu.jobs == {}


async def test_nebius_gets_lora_and_context_length(build: Callable[..., Provider]) -> None:
    emu = NebiusEmulator()
    nebius = build("nebius", emu.app, NEBIUS_URL)
    assert nebius.lora_settings == {"lora_r", "lora_alpha", "lora_dropout", "max_seq_len"}
    spec = JobSpec(
        LLAMA,
        "file-1",
        hyperparameters=Hyperparameters(n_epochs=2),
        extras=(LoraOptions(lora_r=16, lora_alpha=32, lora_dropout=0.0, max_seq_len=4096),),
    )
    await nebius.jobs.create(spec)
    assert emu.bodies[-1]["method"]["supervised"]["hyperparameters"] == {
        "n_epochs": 2,
        "lora": True,
        "lora_r": 16,
        "lora_alpha": 32,
        "lora_dropout": 0.0,
        "context_length": 4096,
    }


async def test_nebius_refuses_target_modules_by_name(
    build: Callable[..., Provider], tmp_path: Path
) -> None:
    emu = NebiusEmulator()
    nebius = build("nebius", emu.app, NEBIUS_URL)
    spec = JobSpec(LLAMA, "", extras=(LoraOptions(target_modules="all-linear"),))
    with pytest.raises(BadRequestError) as caught:
        await launch(nebius, spec, _file(tmp_path))
    assert str(caught.value).startswith("Nebius does not take target_modules; leave")
    assert "--target-modules" in str(caught.value)
    assert emu.faults.requests == []  # refused before the upload


async def test_fireworks_takes_rank_and_context_only(
    build: Callable[..., Provider], tmp_path: Path
) -> None:
    emu = FireworksEmulator()
    fw = build("fireworks", emu.app, FW_URL, options={"account_id": ACCOUNT})
    assert isinstance(fw.files, FireworksFiles)

    async def no_sleep(seconds: float) -> None:
        return None

    fw.files.waiting = Waiting(interval=1, sleep=no_sleep)
    spec = JobSpec(
        "accounts/fireworks/models/llama-v3p1-8b-instruct",
        "",
        extras=(LoraOptions(lora_r=8, max_seq_len=2048),),
    )
    launched = await launch(fw, spec, _file(tmp_path))
    body = emu.jobs[launched.job.id].body
    assert body["loraRank"] == 8 and body["maxContextLength"] == 2048
    # Its own option and the neutral one must agree.
    clash = JobSpec(
        spec.model, "d", extras=(LoraOptions(lora_r=8), FireworksJobOptions(lora_rank=16))
    )
    with pytest.raises(BadRequestError, match="loraRank is set twice for Fireworks"):
        await fw.jobs.create(clash)
    mark = len(emu.faults.requests)
    with pytest.raises(BadRequestError, match=r"^Fireworks does not take lora_dropout;"):
        await launch(
            fw, JobSpec(spec.model, "", extras=(LoraOptions(lora_dropout=0.1),)), _file(tmp_path)
        )
    assert len(emu.faults.requests) == mark


@pytest.mark.parametrize(
    ("kind", "who"),
    [
        (BackendKind.OPENAI, "OpenAI"),
        (BackendKind.AZURE, "Azure OpenAI"),
        (BackendKind.SANDBOX, "the sandbox"),
        (BackendKind.COMPATIBLE, ""),
    ],
)
def test_which_openai_shaped_profiles_take_lora(
    kind: BackendKind, who: str, profile_for: Callable[..., object]
) -> None:
    from dataclasses import replace

    profile = replace(profile_for("openai", "https://example.test/v1"), kind=kind)  # type: ignore[type-var]
    supported, name = lora_settings_of(profile)  # type: ignore[arg-type]
    assert name == who
    assert supported == (ALL_SETTINGS if kind is BackendKind.COMPATIBLE else frozenset())


async def test_azure_refuses_lora_before_any_upload(
    build: Callable[..., Provider], tmp_path: Path
) -> None:
    from tests.emulators.azure import DATA_URL, AzureEmulator

    emu = AzureEmulator()
    azure = build("azure", emu.app, DATA_URL, options={"azure_auth": "key"})
    assert azure.lora_settings == frozenset()
    spec = JobSpec("gpt-4.1-mini-2025-04-14", "", extras=(LoraOptions(max_seq_len=1024),))
    with pytest.raises(BadRequestError, match=r"^Azure OpenAI does not take max_seq_len; leave"):
        await launch(azure, spec, _file(tmp_path))
    # The jobs themselves refuse too (a rerun goes straight to create).
    with pytest.raises(BadRequestError, match=r"^Azure OpenAI does not take lora_r;"):
        await azure.jobs.create(JobSpec(spec.model, "file-1", extras=(LoraOptions(lora_r=4),)))
    assert emu.faults.requests == []
