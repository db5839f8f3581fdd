"""``tuiftune jobs deployments list | create | stop | delete`` against the Azure and Together
emulators: the plan's cost first, the tier and capacity sent as asked, waiting to ready, the
deployment's extras listed, delete only when confirmed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.emulators.azure import ACCOUNT, ARM_TOKEN, DATA_URL, RG, SUB, AzureEmulator
from tests.emulators.together import BASE_URL, TogetherEmulator
from tests.emulators.together_endpoints import MODEL_ID, PROJECT
from tests.providers.cli_helpers import Run, runner

FT_MODEL = "gpt-4.1-mini-2025-04-14.ft-0a1b2c3d4e"
ARM_OPTIONS = {
    "azure_subscription_id": SUB,
    "azure_resource_group": RG,
    "azure_account": ACCOUNT,
    "arm_endpoint": DATA_URL,  # one emulator app serves both planes
    "azure_token_env": "TEST_ARM_TOKEN",
    "deployment_hourly_usd": "1.70",
}


@pytest.fixture
def azure_emu() -> AzureEmulator:
    return AzureEmulator()


@pytest.fixture
def azure(
    azure_emu: AzureEmulator, profile_for: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> Run:
    monkeypatch.setenv("TEST_ARM_TOKEN", ARM_TOKEN)
    return runner(profile_for("azure", DATA_URL, options=ARM_OPTIONS), azure_emu.app, DATA_URL)


def test_azure_create_shows_the_cost_sends_the_tier_and_waits(
    azure: Run, azure_emu: AzureEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["deployments", "create", FT_MODEL, "--sku", "developertier", "--capacity", "3"]
    assert azure([*argv, "--wait", "--json"]) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert lines[0].startswith("note: standard and globalstandard cost $1.70/hour")
    assert "tier: developertier" in lines and "capacity (units): 3" in lines
    assert "creating after 0 s" in lines and lines[-1] == "succeeded after 0 s"
    made = json.loads(out)
    assert made["status"] == "succeeded" and made["model"] == FT_MODEL
    assert made["provider"] == [
        "developer tier: no hosting fee, tokens only; deleted by Azure at 2026-12-02 12:00 UTC"
    ]
    sent = azure_emu.deployments[made["id"]].body
    assert sent["sku"] == {"name": "developertier", "capacity": 3}

    assert azure(["deployments", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == f"{made['id']}  succeeded  {FT_MODEL}"
    assert listed[1].startswith("  developer tier: no hosting fee")


def test_a_standard_deployment_shows_what_it_has_cost_so_far(
    azure: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    assert azure(["deployments", "create", FT_MODEL, "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["cost_so_far_usd"] == 5.10  # 3 h at $1.70 on the commands' clock
    assert azure(["deployments", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "  standard: $1.70/hour while it exists; deleted by Azure after 15 idle days"
    assert lines[2] == "  about $5.10 so far (3.0 h since it was created)"


def test_azure_bad_tier_is_refused_before_any_request(
    azure: Run, azure_emu: AzureEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert azure(["deployments", "create", FT_MODEL, "--sku", "premium"]) == 2
    err = capsys.readouterr().err
    assert err.strip().endswith("sku must be one of standard, globalstandard, developertier")
    assert azure_emu.deployments == {}


def test_delete_needs_a_confirmation_when_not_on_a_terminal(
    azure: Run, azure_emu: AzureEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert azure(["deployments", "create", FT_MODEL]) == 0
    name = next(iter(azure_emu.deployments))
    capsys.readouterr()
    assert azure(["deployments", "delete", name]) == 2
    assert "add --yes" in capsys.readouterr().err and name in azure_emu.deployments
    assert azure(["deployments", "delete", name, "--yes"]) == 0
    assert capsys.readouterr().out.strip() == f"deleted {name}"
    assert azure_emu.deployments == {}
    assert azure(["deployments", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"deployments": []}


def test_model_or_job_is_required(azure: Run, capsys: pytest.CaptureFixture[str]) -> None:
    assert azure(["deployments", "create"]) == 2
    assert "give a MODEL or --job ID" in capsys.readouterr().err


def test_together_prices_first_then_deploys_the_cheapest_and_stops(
    profile_for: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    emu = TogetherEmulator()
    profile = profile_for("together", BASE_URL, options={"project_id": PROJECT})
    run = runner(profile, emu.app, BASE_URL)
    assert run(["deployments", "create", MODEL_ID, "--name", "Triage Bot", "--json"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0].startswith(
        "note: a dedicated endpoint is billed per minute per replica while it runs "
        "(cheapest here $0.0832/minute)"
    )
    assert "hardware: 1xnvidia-h100-80gb: $0.0832/minute" in err.splitlines()
    made = json.loads(out)
    assert made["inference_name"] == "triage-bot"
    assert made["provider"][0].startswith("1xnvidia-h100-80gb")
    assert run(["deployments", "stop", made["id"], "--yes", "--json"]) == 0
    stopped = json.loads(capsys.readouterr().out)["deployments"][0]
    assert stopped["status"] == "stopped"
    assert run(["deployments", "delete", made["id"], "--yes"]) == 0
    assert emu.endpoints.deployments == {}


def test_a_provider_without_deployments_says_so(
    profile_for: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.emulators.nebius import NebiusEmulator

    emu = NebiusEmulator()
    profile = profile_for("nebius", "https://api.nebius.test")
    run = runner(profile, emu.app, "https://api.nebius.test")
    assert run(["deployments", "list"]) == 2
    assert "without deployments" in capsys.readouterr().err


def test_fireworks_asks_nothing_and_says_it_scales_to_zero(
    profile_for: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.emulators.fireworks import ACCOUNT, FireworksEmulator
    from tests.emulators.fireworks import BASE_URL as FW_URL

    emu = FireworksEmulator()
    run = runner(profile_for("fireworks", FW_URL, options={"account_id": ACCOUNT}), emu.app, FW_URL)
    model = f"accounts/{ACCOUNT}/models/out-1"
    assert run(["deployments", "create", model, "--wait", "--json"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0] == (
        "note: an on-demand deployment: it scales to zero replicas when idle"
    )
    made = json.loads(out)
    assert made["status"] == "succeeded" and made["model"] == model
    assert run(["deployments", "stop", made["id"], "--yes"]) == 2  # Fireworks only deletes
    assert "cannot stop a deployment; delete it instead" in capsys.readouterr().err
    assert run(["deployments", "delete", made["id"], "--yes"]) == 0
