"""``tuiftune config show|path|set-profile``."""

from __future__ import annotations

import argparse
import stat
from pathlib import Path

import pytest

from tuiftune.commands import config as config_cmd
from tuiftune.config import load_config

SECRET = "sk-proj-SUPERSECRETVALUE1234567890wxyz"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="tuiftune")
    parser.add_argument("--profile", default=None)
    sub = parser.add_subparsers(dest="command")
    config_cmd.add_parser(sub)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_path(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("config", "path") == 0
    assert capsys.readouterr().out.strip() == str(clean_env)


def test_set_profile_then_show(
    clean_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_KEY", SECRET)
    code = run(
        "config",
        "set-profile",
        "work",
        "--base-url",
        "http://gw.local/v1",
        "--api-key-env",
        "MY_KEY",
        "--inference-base-url",
        "http://ollama:11434/v1",
        "--default",
    )
    assert code == 0
    assert stat.S_IMODE(clean_env.stat().st_mode) == 0o600
    cfg = load_config(clean_env)
    assert cfg.default_profile == "work"
    assert cfg.profiles["work"].api_key_env == "MY_KEY"
    assert SECRET not in clean_env.read_text()
    capsys.readouterr()
    assert run("config", "show") == 0
    out = capsys.readouterr().out
    assert "work" in out and "http://gw.local/v1" in out and "sk-…wxyz" in out
    assert "http://ollama:11434/v1" in out and str(clean_env) in out
    assert SECRET not in out


def test_show_keeps_global_profile_flag(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--profile", "sandbox", "config", "show") == 0
    assert "SANDBOX" in capsys.readouterr().out


def test_show_reports_config_errors(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("config", "show", "--profile", "nope") == 2
    assert "config error" in capsys.readouterr().err


def test_plain_config_shows(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("config") == 0
    assert "sandbox" in capsys.readouterr().out


def test_set_profile_names_a_provider(
    clean_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuiftune.config import resolve_profile

    monkeypatch.setenv("TOGETHER_API_KEY", SECRET)
    # No --base-url needed: the provider has its own; a missing key source is only a note.
    assert run("config", "set-profile", "tog", "--provider", "together") == 0
    assert "no key source" in capsys.readouterr().err
    code = run(
        "config",
        "set-profile",
        "tog",
        "--provider",
        "together",
        "--api-key-env",
        "TOGETHER_API_KEY",
    )
    assert code == 0
    prof = resolve_profile("tog")
    assert prof.provider == "together" and prof.base_url is None
    assert prof.api_key is not None and prof.api_key.get_secret_value() == SECRET
    capsys.readouterr()
    assert run("--profile", "tog", "config", "show") == 0
    out = capsys.readouterr().out
    assert "provider     together" in out and "together's default" in out
    assert "api.openai.com" not in out and SECRET not in out
    # Without a provider of its own, a profile still needs its URL.
    assert run("config", "set-profile", "bare") == 2
    assert "needs --base-url" in capsys.readouterr().err
