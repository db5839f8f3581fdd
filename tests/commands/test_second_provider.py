"""``tuiftune jobs list/show/watch`` unchanged on a second provider: a file-backed fake written
only against the provider interfaces and registered by name through an entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes import TUNED, install_file_provider
from tuiftune.service.providers.registry import ProviderRegistry

from .conftest import Cli, ndjson


def test_registered_by_name_through_an_entry_point(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "filefake" not in ProviderRegistry().names()
    install_file_provider(env, monkeypatch)
    assert {"openai", "filefake"} <= set(ProviderRegistry().names())


def test_unknown_provider_is_a_config_error(
    env: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    config = env / "cfg" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[profiles.x]\nprovider = "nowhere"\nno_auth = true\n')
    assert cli("jobs", "list", "--profile", "x") == 2
    err = capsys.readouterr().err
    assert "unknown provider 'nowhere'" in err and "openai" in err


def test_list_show_watch_on_the_file_provider(
    env: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    install_file_provider(env, monkeypatch)

    assert cli("jobs", "list", "--profile", "fake", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(j["id"], j["status"]) for j in listed["jobs"]] == [
        ("ftjob-fake-1", "queued"),
        ("ftjob-fake-0", "failed"),
    ]
    assert listed["jobs"][0]["hyperparameters"] == {"n_epochs": 2}

    assert cli("jobs", "show", "ftjob-fake-0", "--profile", "fake") == 0
    shown = capsys.readouterr().out
    assert "bad_file: line 3: no messages" in shown and "llama-3-8b" in shown
    # The provider's typed extras are shown as rows, its text as data.
    assert "provider          queue position 3, note \\x1b[2Jdata, not a command" in shown
    assert "\x1b" not in shown

    code = cli("jobs", "watch", "ftjob-fake-1", "--profile", "fake", "--interval", "0.01")
    out = capsys.readouterr().out
    assert code == 0
    assert "Training started" in out and "Job done" in out
    assert "step 1/2  train loss 0.9000" in out and "step 2/2  train loss 0.5000" in out
    assert f"succeeded: {TUNED}" in out


def test_watch_json_lines_on_the_file_provider(
    env: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    install_file_provider(env, monkeypatch)
    code = cli("jobs", "watch", "ftjob-fake-1", "--profile", "fake", "--interval", "0.01", "--json")
    lines = ndjson(capsys.readouterr().out)
    assert code == 0
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "job" and kinds[-1] == "end"
    assert [line["step"] for line in lines if line["type"] == "metrics"] == [1, 2]
    assert lines[-1]["status"] == "succeeded" and lines[-1]["job"]["fine_tuned_model"] == TUNED


def test_cancel_through_the_file_provider(
    env: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    state = install_file_provider(env, monkeypatch)
    assert cli("jobs", "cancel", "ftjob-fake-1", "--profile", "fake", "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] == "cancelled"
    saved = json.loads(state.read_text())["jobs"][0]
    assert saved["script"] == ["cancelled"]
